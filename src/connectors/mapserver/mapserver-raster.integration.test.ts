// MapServer raster (GeoTIFF) layers against real MapServer 8 (`mapserv` run as CGI, `map2img`):
// by path and uploaded into the connection's data folder. Needs mapserver-bin and cgi-mapserver.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';

import { isGeosyncError } from '../../errors/errors.ts';
import type { LayerDefinition, RasterFileSource } from '../publisher.ts';
import { type MapserverConnector, mapserverConnectorType as type } from './mapserver.connector.ts';
import { mapserv, PNG_SIGNATURE, pixelsUnlikeCorner, writeServiceConfig } from './mapserver-wms.test-helper.ts';

const signal = () => AbortSignal.timeout(60_000);
const tempRoot = process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir();
const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/raster');
const checker = path.join(fixtures, 'checker-4326.tif');

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tempRoot, 'geosync-mapserver-raster-'));
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function fresh(name: string) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const mapfile = path.join(dir, 'geosync.map');
  const serviceConfig = await writeServiceConfig(dir, mapfile);
  const settings = { mapfile, url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC' };
  const connector = type.create(type.config.parse(settings), { dataDir: root }) as MapserverConnector;
  const getMap = (layers: string) =>
    mapserv(
      serviceConfig,
      `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${layers}&STYLES=&CRS=EPSG:4326&BBOX=50,4,52,6&WIDTH=128&HEIGHT=128&FORMAT=image/png`,
    );
  const dataFiles = async () => (await readdir(path.join(dir, 'geosync-data')).catch(() => [])).sort();
  return { dir, connector, getMap, dataFiles };
}

const uploadOf = (bytes: Buffer, fileName = 'dem.tif'): RasterFileSource => ({
  kind: 'geotiff',
  path: `elsewhere/${fileName}`,
  upload: { fileName, open: () => Promise.resolve(Readable.from([bytes])) },
});

const raster = (name: string, source: RasterFileSource): LayerDefinition => ({
  name,
  source,
  advertised: true,
  metadata: { title: name },
});

function assertDrawn(answer: { contentType: string; body: Buffer }): void {
  assert.equal(answer.contentType, 'image/png', answer.body.toString('utf8', 0, 400));
  assert.ok(answer.body.subarray(0, 8).equals(PNG_SIGNATURE));
  assert.ok(pixelsUnlikeCorner(answer.body) > 100, 'the map is blank');
}

const refusedWith = (code: string, pattern: RegExp) => (error: unknown) =>
  isGeosyncError(error) && error.code === code && pattern.test(error.message);

describe('mapserver raster layers', () => {
  test('is raster-capable; a GeoTIFF by path is drawn and reported back by path', async () => {
    const ms = await fresh('by-path');
    assert.equal(ms.connector.publisherCapabilities.raster, true);
    const tif = path.join(ms.dir, 'scan.tif');
    await copyFile(checker, tif);
    await ms.connector.publishLayer(raster('scan', { kind: 'geotiff', path: tif }), signal());
    assertDrawn(await ms.getMap('scan'));
    assert.deepEqual((await ms.connector.getLayer({ name: 'scan' }, signal()))?.source, { kind: 'geotiff', path: tif });
    await ms.connector.removeLayer({ name: 'scan' }, signal());
    assert.ok((await readFile(tif)).length > 0, 'a file by path is never removed');
  });

  test('an upload is copied into the data folder, drawn, and removed with its layer', async () => {
    const ms = await fresh('upload');
    await ms.connector.publishLayer(raster('dem', uploadOf(await readFile(checker), '../../Dem 2024.TIF')), signal());
    const files = await ms.dataFiles();
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^Dem_2024\.[0-9a-f]{12}\.tif$/, 'the name is sanitized and never climbs out');
    const published = await ms.connector.getLayer({ name: 'dem' }, signal());
    assert.deepEqual(published?.source, { kind: 'geotiff', path: path.join(ms.dir, 'geosync-data', files[0]!) });
    assertDrawn(await ms.getMap('dem'));
    await ms.connector.removeLayer({ name: 'dem' }, signal());
    assert.deepEqual(await ms.dataFiles(), []);
  });

  test('temp-name protocol on uploads: the renamed layer keeps its copy, the replaced one loses its own', async () => {
    const ms = await fresh('swap');
    const bytes = await readFile(checker);
    await ms.connector.publishLayer(raster('dem', uploadOf(bytes)), signal());
    const [old] = await ms.dataFiles();
    await ms.connector.publishLayer({ ...raster('_temp_1_dem', uploadOf(bytes)), advertised: false }, signal());
    assert.equal((await ms.dataFiles()).length, 2, 'two layers, two files: neither overwrites the other');
    await ms.connector.removeLayer({ name: 'dem' }, signal());
    await ms.connector.renameLayer({ name: '_temp_1_dem' }, { name: 'dem' }, signal());
    const files = await ms.dataFiles();
    assert.equal(files.length, 1);
    assert.notEqual(files[0], old);
    assertDrawn(await ms.getMap('dem'));
    // Republishing over it replaces the copy.
    await ms.connector.publishLayer(raster('dem', uploadOf(bytes)), signal());
    assert.equal((await ms.dataFiles()).length, 1);
    assert.notEqual((await ms.dataFiles())[0], files[0]);
  });

  test('a non-GeoTIFF upload or path is refused, nothing is left, the service keeps answering', async () => {
    const ms = await fresh('bad');
    await ms.connector.publishLayer(raster('good', uploadOf(await readFile(checker))), signal());
    const before = await ms.dataFiles();
    await assert.rejects(
      ms.connector.publishLayer(raster('png', uploadOf(PNG_SIGNATURE, 'fake.tif')), signal()),
      refusedWith('layer_source_invalid', /not a GeoTIFF/),
    );
    // Starts like a TIFF, is not one: map2img (GDAL) refuses it before the swap.
    const broken = Buffer.concat([Buffer.from('II*\0'), Buffer.alloc(200, 7)]);
    await assert.rejects(
      ms.connector.publishLayer(raster('broken', uploadOf(broken)), signal()),
      refusedWith('mapserver_layer_invalid', /MapServer refused/),
    );
    const fake = path.join(ms.dir, 'fake.tif');
    await writeFile(fake, 'plain text');
    await assert.rejects(
      ms.connector.publishLayer(raster('fake', { kind: 'geotiff', path: fake }), signal()),
      refusedWith('layer_source_invalid', /not a GeoTIFF/),
    );
    await assert.rejects(
      ms.connector.publishLayer(raster('gone', { kind: 'geotiff', path: path.join(ms.dir, 'none.tif') }), signal()),
      refusedWith('mapserver_layer_invalid', /none\.tif/),
    );
    assert.deepEqual(await ms.dataFiles(), before, 'refused uploads leave no file');
    assert.deepEqual(await ms.connector.listLayers(undefined, signal()), [{ name: 'good' }]);
    assertDrawn(await ms.getMap('good'));
  });
});
