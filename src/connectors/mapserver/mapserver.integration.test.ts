// The MapServer connector against real MapServer 8 (`mapserv` run as CGI, `map2img`), real
// PostgreSQL + PostGIS, and MapCache (`mapcache_seed`). Needs the Debian packages mapserver-bin,
// cgi-mapserver and mapcache-tools (scripts/test-all.sh installs them).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import pg from 'pg';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import { isGeosyncError, UserError } from '../../errors/errors.ts';
import { isPublisher, type LayerDefinition, type PostgisSource } from '../publisher.ts';
import { type MapserverConnector, mapserverConnectorType as type } from './mapserver.connector.ts';
import {
  mapserv,
  PNG_SIGNATURE,
  pixelsUnlikeCorner,
  startMapservHttp,
  writeServiceConfig,
} from './mapserver-wms.test-helper.ts';

const execFileAsync = promisify(execFile);
const signal = () => AbortSignal.timeout(60_000);
const tempRoot = process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir();

let database: TestDatabase;
let root: string;
let source: PostgisSource;

before(async () => {
  database = await createTestDatabase('mapserver');
  const url = new URL(database.url);
  source = {
    kind: 'postgis',
    host: url.hostname,
    port: Number(url.port),
    database: database.name,
    user: decodeURIComponent(url.username),
    schema: 'public',
    table: 'roads',
  };
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE roads (id serial PRIMARY KEY, name text, geom geometry(LineString, 4326));
      INSERT INTO roads (name, geom)
        SELECT 'road ' || i, ST_MakeLine(ST_MakePoint(4 + i * 0.15, 50), ST_MakePoint(4.5 + i * 0.15, 52))
          FROM generate_series(0, 10) AS i;
      CREATE TABLE parcels (gid integer PRIMARY KEY, geom geometry(MultiPolygon, 4326));
      INSERT INTO parcels VALUES (1, ST_Multi(ST_MakeEnvelope(4.2, 50.2, 5.8, 51.8, 4326)));
      -- Describes like a good table, fails when MapServer reads it (division by zero).
      CREATE VIEW broken_roads AS
        SELECT id, (CASE WHEN 1 / (id - id) = 0 THEN geom END)::geometry(LineString, 4326) AS geom FROM roads;
      CREATE ROLE "geo ""o'reader" LOGIN;
      GRANT SELECT ON roads TO "geo ""o'reader";
    `);
  } finally {
    await client.end();
  }
  root = await mkdtemp(path.join(tempRoot, 'geosync-mapserver-'));
});
after(async () => {
  await database?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A fresh MapServer folder: its connector and a GetCapabilities/GetMap client. */
async function fresh(name: string, extra: Record<string, unknown> = {}) {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const mapfile = path.join(dir, 'geosync.map');
  const serviceConfig = await writeServiceConfig(dir, mapfile);
  const settings = { mapfile, url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC', ...extra };
  const connector = type.create(type.config.parse(settings), { dataDir: root }) as MapserverConnector;
  const capabilities = async () => {
    const answer = await mapserv(serviceConfig, 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
    const text = answer.body.toString('utf8');
    assert.match(text, /<WMS_Capabilities/, `not a capabilities document: ${text.slice(0, 500)}`);
    return text;
  };
  // The layers under the root layer (which is the map itself).
  const layerNames = async () =>
    [...(await capabilities()).matchAll(/<Layer[^>]*>\s*<Name>([^<]*)<\/Name>/g)].map((m) => m[1]).slice(1);
  const getMap = (layers: string, bbox = '50,4,52,6') =>
    mapserv(
      serviceConfig,
      `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${encodeURIComponent(layers)}&STYLES=&CRS=EPSG:4326&BBOX=${bbox}&WIDTH=256&HEIGHT=256&FORMAT=image/png`,
    );
  const includes = async () => (await readdir(path.join(dir, 'geosync-layers'))).sort();
  return { dir, mapfile, serviceConfig, connector, capabilities, layerNames, getMap, includes };
}

const roads = (extra: Partial<LayerDefinition> = {}): LayerDefinition => ({
  workspace: 'topo',
  name: 'roads',
  source,
  advertised: true,
  metadata: {
    title: 'Roads of the region',
    abstract: 'All roads, as lines.',
    keywords: ['transport', 'roads'],
    metadataLinks: [{ href: 'https://catalog.example.org/roads.xml', type: 'ISO19115:2003', format: 'text/xml' }],
  },
  ...extra,
});

/** Asserts a GetMap answer is a PNG with something drawn on it. */
function assertDrawn(answer: { contentType: string; body: Buffer }): void {
  assert.equal(answer.contentType, 'image/png', answer.body.toString('utf8', 0, 400));
  assert.ok(answer.body.subarray(0, 8).equals(PNG_SIGNATURE));
  assert.ok(pixelsUnlikeCorner(answer.body) > 100, 'the map is blank');
}

connectorContract('mapserver', async () => {
  const dir = await mkdtemp(path.join(tempRoot, 'geosync-mapserver-contract-'));
  const good = { mapfile: path.join(dir, 'geosync.map'), url: 'https://maps.example.org/cgi-bin/mapserv' };
  return {
    type,
    goodConfig: good,
    badConfigs: [
      { config: { ...good, mapfile: 'relative/geosync.map' }, field: 'mapfile' },
      { config: { ...good, mapfile: '/srv/geosync.txt' }, field: 'mapfile' },
      { config: { ...good, url: undefined }, field: 'url' },
      { config: { ...good, url: 'not a url' }, field: 'url' },
      { config: { ...good, mapcacheConfig: 'cache.xml' }, field: 'mapcacheConfig' },
      { config: { ...good, configFile: '/etc/mapserver.txt' }, field: 'configFile' },
    ],
    unreachableConfig: { ...good, mapfile: '/nonexistent/folder/geosync.map' },
    deps: { dataDir: dir },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('mapserver publisher', () => {
  test('is a publisher with the capabilities MapServer has', async () => {
    const { connector } = await fresh('caps');
    assert.ok(isPublisher(connector));
    assert.deepEqual(connector.publisherCapabilities, {
      security: false,
      cache: false,
      appSchema: false,
      raster: true,
    });
    assert.equal('setReadRoles' in connector, false);
    const cached = await fresh('caps2', { mapcacheConfig: path.join(root, 'caps2', 'mapcache.xml') });
    assert.equal(cached.connector.publisherCapabilities.cache, true);
  });

  test('a published layer is in GetCapabilities with its metadata, and GetMap draws it', async () => {
    const ms = await fresh('publish');
    await ms.connector.publishLayer(roads(), signal());
    const caps = await ms.capabilities();
    assert.deepEqual(await ms.layerNames(), ['topo_roads']);
    assert.match(caps, /<Title>Roads of the region<\/Title>/);
    assert.match(caps, /<Abstract>All roads, as lines.<\/Abstract>/);
    assert.match(caps, /<KeywordList>\s*<Keyword>transport<\/Keyword>\s*<Keyword>roads<\/Keyword>/);
    assert.match(caps, /<MetadataURL type="ISO19115:2003">\s*<Format>text\/xml<\/Format>/);
    assert.match(caps, /xlink:href="https:\/\/catalog.example.org\/roads.xml"/);
    assertDrawn(await ms.getMap('topo_roads'));
    // Nothing there: the same request on an empty area is blank (so "drawn" above means something).
    assert.equal(pixelsUnlikeCorner((await ms.getMap('topo_roads', '-10,-10,-9,-9')).body), 0);

    const read = await ms.connector.getLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.deepEqual(read, roads());
    assert.equal(await ms.connector.getLayer({ workspace: 'topo', name: 'rivers' }, signal()), undefined);
    assert.equal(await ms.connector.getLayer({ name: 'roads' }, signal()), undefined);

    // Polygons, with the key found from another primary key column name.
    await ms.connector.publishLayer(roads({ name: 'parcels', source: { ...source, table: 'parcels' } }), signal());
    assertDrawn(await ms.getMap('topo_parcels'));
    assert.match(await readFile(path.join(ms.dir, 'geosync-layers', 'topo_parcels.map'), 'utf8'), /TYPE POLYGON/);
  });

  test('an unadvertised layer is absent from GetCapabilities but GetMap still draws it', async () => {
    const ms = await fresh('hidden');
    await ms.connector.publishLayer(roads({ advertised: false }), signal());
    assert.deepEqual(await ms.layerNames(), []);
    assertDrawn(await ms.getMap('topo_roads'));
    await ms.connector.setAdvertised({ workspace: 'topo', name: 'roads' }, true, signal());
    assert.deepEqual(await ms.layerNames(), ['topo_roads']);
    await ms.connector.setAdvertised({ workspace: 'topo', name: 'roads' }, false, signal());
    assert.deepEqual(await ms.layerNames(), []);
  });

  test('the temp-name protocol ends with exactly the final layer, with the new definition', async () => {
    const ms = await fresh('protocol');
    const final = { workspace: 'topo', name: 'roads' };
    const temp = { workspace: 'topo', name: '_temp_roads' };
    await ms.connector.publishLayer(roads({ metadata: { title: 'Roads v1' } }), signal());
    // RUN: publish under the temporary name, unadvertised.
    await ms.connector.publishLayer(roads({ ...temp, advertised: false, metadata: { title: 'Roads v2' } }), signal());
    assert.deepEqual(await ms.layerNames(), ['topo_roads']);
    assertDrawn(await ms.getMap('topo__temp_roads'));
    // COMMIT: remove the old one, rename, advertise (each repeated, as recovery may).
    await ms.connector.removeLayer(final, signal());
    await ms.connector.removeLayer(final, signal());
    await ms.connector.renameLayer(temp, final, signal());
    await ms.connector.renameLayer(temp, final, signal());
    await ms.connector.setAdvertised(final, true, signal());
    assert.deepEqual(await ms.layerNames(), ['topo_roads']);
    assert.match(await ms.capabilities(), /<Title>Roads v2<\/Title>/);
    assert.deepEqual(await ms.includes(), ['topo_roads.map']);
    assert.equal(await ms.connector.getLayer(temp, signal()), undefined);
    assert.equal((await ms.connector.getLayer(final, signal()))?.metadata.title, 'Roads v2');
    assertDrawn(await ms.getMap('topo_roads'));
    await assert.rejects(ms.connector.renameLayer({ name: 'nothing' }, { name: 'else' }, signal()), {
      code: 'not_found',
    });
  });

  test('concurrent publications all end up in the mapfile', async () => {
    const ms = await fresh('concurrent');
    const names = ['a', 'b', 'c', 'd'];
    await Promise.all(names.map((name) => ms.connector.publishLayer(roads({ name }), signal())));
    assert.deepEqual(await ms.layerNames(), ['topo_a', 'topo_b', 'topo_c', 'topo_d']);
    assert.deepEqual(await ms.includes(), ['topo_a.map', 'topo_b.map', 'topo_c.map', 'topo_d.map']);
    const ok = await ms.connector.test(signal());
    assert.equal(ok.ok, true, ok.message);
    assert.match(ok.message, /mapfile loads, 4 layer/);
  });

  test('test() says when the main mapfile no longer loads', async () => {
    const ms = await fresh('damaged');
    await ms.connector.publishLayer(roads(), signal());
    await writeFile(ms.mapfile, 'MAP\n  NAME "x"\n  FOO\nEND\n');
    const result = await ms.connector.test(signal());
    assert.equal(result.ok, false);
    assert.match(result.message, /geosync\.map: MapServer refused the mapfile: .*FOO/);
  });

  test('rollback (removing the temporary layer) restores the previous state exactly', async () => {
    const ms = await fresh('rollback');
    await ms.connector.publishLayer(roads(), signal());
    const before = { mapfile: await readFile(ms.mapfile, 'utf8'), includes: await ms.includes() };
    await ms.connector.publishLayer(roads({ name: '_temp_roads', advertised: false }), signal());
    assert.notEqual(await readFile(ms.mapfile, 'utf8'), before.mapfile);
    await ms.connector.removeLayer({ workspace: 'topo', name: '_temp_roads' }, signal());
    await ms.connector.removeLayer({ workspace: 'topo', name: '_temp_roads' }, signal());
    assert.deepEqual({ mapfile: await readFile(ms.mapfile, 'utf8'), includes: await ms.includes() }, before);
    assert.deepEqual(await ms.layerNames(), ['topo_roads']);
  });

  test('a broken layer is refused with a clear error and the service keeps its layers', async () => {
    const ms = await fresh('broken');
    await ms.connector.publishLayer(roads(), signal());
    const before = { mapfile: await readFile(ms.mapfile, 'utf8'), includes: await ms.includes() };
    const unchanged = async () => {
      assert.deepEqual({ mapfile: await readFile(ms.mapfile, 'utf8'), includes: await ms.includes() }, before);
      assert.deepEqual(await ms.layerNames(), ['topo_roads']);
      assertDrawn(await ms.getMap('topo_roads'));
    };

    // A missing table: found before any file is written.
    await assert.rejects(
      ms.connector.publishLayer(roads({ name: 'ghost', source: { ...source, table: 'no_such_table' } }), signal()),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.equal(error.code, 'layer_source_invalid');
        assert.match(error.message, /'public\.no_such_table' .* does not exist/);
        return true;
      },
    );
    await unchanged();

    // A view that describes well but fails when MapServer reads it: map2img refuses it.
    await assert.rejects(
      ms.connector.publishLayer(roads({ name: 'broken', source: { ...source, table: 'broken_roads' } }), signal()),
      (error: unknown) => {
        assert.ok(isGeosyncError(error));
        assert.equal(error.code, 'mapserver_layer_invalid');
        assert.match(error.message, /MapServer refused the mapfile, nothing was changed: .*'topo_broken'/);
        assert.match(error.message, /PostgreSQL: division by zero/);
        return true;
      },
    );
    await unchanged();

    // A raster file that is not there.
    await assert.rejects(
      ms.connector.publishLayer(
        roads({ name: 'scan', source: { kind: 'geotiff', path: '/nonexistent/scan.tif' } }),
        signal(),
      ),
      { code: 'mapserver_layer_invalid', message: /nonexistent\/scan\.tif/ },
    );
    await unchanged();

    // Replacing the good layer by a broken one keeps the good one.
    await assert.rejects(ms.connector.publishLayer(roads({ source: { ...source, table: 'broken_roads' } }), signal()), {
      code: 'mapserver_layer_invalid',
    });
    await unchanged();

    // The embedded store: MapServer cannot reach it.
    await assert.rejects(
      ms.connector.publishLayer(
        roads({ name: 'local', source: { kind: 'embedded', schema: 'public', table: 'x' } }),
        signal(),
      ),
      { code: 'layer_source_unsupported', message: /embedded store/ },
    );
    // Names MapServer or a file system would misread.
    for (const name of ['../etc', 'a,b', 'two words', '.hidden', '']) {
      await assert.rejects(ms.connector.publishLayer(roads({ name }), signal()), { code: 'invalid_layer_name' });
    }
    await unchanged();
    assert.deepEqual((await readdir(path.join(root, 'broken'))).sort(), [
      'geosync-layers',
      'geosync.map',
      'mapserver.conf',
    ]);
  });

  test('mapfile injection through metadata, user names and passwords is neutralised', async () => {
    const ms = await fresh('injection');
    const title = 'Roads" END END LAYER NAME "evil" TYPE POINT\nEND # "\\';
    const password = `x' dbname='no_such_db' "END" \\`;
    const layer = roads({
      source: { ...source, user: `geo "o'reader`, password },
      metadata: {
        title,
        abstract: 'line one\r\nline "two"\u0000',
        keywords: ['a,b', 'c"d'],
        metadataLinks: [{ href: 'https://x.example/"><evil/>', type: 'TC211', format: 'text/xml' }],
      },
    });
    await ms.connector.publishLayer(layer, signal());
    // One layer, drawn: the odd user name was passed intact and the password did not change the database.
    assert.deepEqual(await ms.layerNames(), ['topo_roads']);
    assertDrawn(await ms.getMap('topo_roads'));
    const caps = await ms.capabilities();
    const escapedTitle = title.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('\\', '\\');
    assert.ok(caps.includes(`<Title>${escapedTitle}</Title>`), 'the title is shown verbatim');
    assert.doesNotMatch(caps, /<evil\/>/);
    assert.doesNotMatch(caps, /no_such_db|dbname/);
    // The password is in the include (MapServer needs it), never read back by getLayer.
    const read = await ms.connector.getLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.ok(read?.source.kind === 'postgis');
    assert.equal('password' in read.source, false);
    assert.equal(read.metadata.title, title);

    // A refused publication does not show the password in its message.
    await assert.rejects(
      ms.connector.publishLayer(roads({ name: 'b', source: { ...source, table: 'broken_roads', password } }), signal()),
      (error: Error) => {
        assert.ok(!error.message.includes(password), error.message);
        assert.ok(!error.message.includes("x'"), error.message);
        return true;
      },
    );
  });

  test('updateMetadata rewrites the metadata; removeLayer of a missing layer is fine', async () => {
    const ms = await fresh('metadata');
    await ms.connector.publishLayer(roads(), signal());
    await ms.connector.updateMetadata(
      { workspace: 'topo', name: 'roads' },
      { title: 'Renamed roads', keywords: ['new'], dataTimestamp: '2024-05-01T10:00:00Z' },
      signal(),
    );
    const caps = await ms.capabilities();
    assert.match(caps, /<Title>Renamed roads<\/Title>/);
    assert.doesNotMatch(caps, /All roads, as lines|ISO19115/);
    assert.equal(
      (await ms.connector.getLayer({ workspace: 'topo', name: 'roads' }, signal()))?.metadata.dataTimestamp,
      '2024-05-01T10:00:00Z',
    );
    await assert.rejects(ms.connector.updateMetadata({ name: 'nope' }, {}, signal()), { code: 'not_found' });
    await ms.connector.removeLayer({ name: 'nope' }, signal());
    await ms.connector.removeLayer({ workspace: 'topo', name: 'roads' }, signal());
    assert.deepEqual(await ms.layerNames(), []);
    assert.deepEqual(await ms.includes(), []);
  });

  test('a GeoTIFF is published as a raster layer', async () => {
    const ms = await fresh('raster');
    // Make a GeoTIFF with MapServer itself: the roads drawn into a georeferenced image.
    const tif = path.join(ms.dir, 'roads.tif');
    await ms.connector.publishLayer(roads(), signal());
    const render = path.join(ms.dir, 'render.map');
    const main = await readFile(ms.mapfile, 'utf8');
    await writeFile(
      render,
      main.replace(
        '  WEB',
        '  OUTPUTFORMAT\n    NAME "GTiff"\n    DRIVER "GDAL/GTiff"\n    MIMETYPE "image/tiff"\n    IMAGEMODE RGB\n    EXTENSION "tif"\n  END\n  WEB',
      ),
    );
    await execFileAsync('map2img', [
      '-m',
      render,
      '-i',
      'GTiff',
      '-l',
      'topo_roads',
      '-e',
      '4',
      '50',
      '6',
      '52',
      '-s',
      '200',
      '200',
      '-o',
      tif,
    ]);
    await ms.connector.publishLayer(
      { name: 'scan', source: { kind: 'geotiff', path: tif }, advertised: true, metadata: { title: 'Scan' } },
      signal(),
    );
    assert.deepEqual(await ms.layerNames(), ['scan', 'topo_roads']);
    assertDrawn(await ms.getMap('scan'));
  });
});

describe('mapserver tile cache (MapCache)', () => {
  let front: { url: string; close: () => Promise<void> };
  let ms: Awaited<ReturnType<typeof fresh>>;
  let mapcacheXml: string;

  before(async () => {
    const dir = path.join(root, 'cache');
    await mkdir(dir, { recursive: true });
    front = await startMapservHttp(await writeServiceConfig(dir, path.join(dir, 'geosync.map')));
    mapcacheXml = path.join(dir, 'mapcache', 'geosync.xml');
    ms = await fresh('cache', { url: front.url, mapcacheConfig: mapcacheXml });
  });
  after(() => front?.close());

  test('configureCache writes a tileset; seeded tiles are cleared by clearCache', async () => {
    const ref = { workspace: 'topo', name: 'roads' };
    await ms.connector.publishLayer(roads(), signal());
    await ms.connector.configureCache(
      ref,
      { gridSets: ['EPSG:4326', 'EPSG:900913'], formats: ['image/png'] },
      signal(),
    );
    const xml = await readFile(mapcacheXml, 'utf8');
    assert.match(xml, /<tileset name="topo_roads">/);
    assert.match(xml, /<grid>WGS84<\/grid>\s*<grid>GoogleMapsCompatible<\/grid>/);
    assert.match(xml, /<LAYERS>topo_roads<\/LAYERS>/);
    assert.ok(xml.includes(front.url.replaceAll('&', '&amp;')));

    // Seed a few tiles through MapCache, which asks this MapServer's WMS.
    await execFileAsync(
      'mapcache_seed',
      ['-c', mapcacheXml, '-t', 'topo_roads', '-g', 'WGS84', '-z', '0,3', '-e', '4,50,6,52', '-q'],
      {
        timeout: 60_000,
      },
    );
    const tiles = path.join(path.dirname(mapcacheXml), 'geosync-tiles', 'topo_roads');
    const files = async () =>
      (await readdir(tiles, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());
    const seeded = await files();
    assert.ok(seeded.length >= 3, `seeded ${seeded.length} tiles`);
    const png = seeded.find((e) => e.name.endsWith('.png'));
    assert.ok(png, 'no PNG tile');

    await ms.connector.clearCache(ref, signal());
    assert.equal((await files()).length, 0);
    await ms.connector.clearCache(ref, signal()); // again: nothing to do

    // Reconfiguring keeps one tileset; unknown grids and layers are refused.
    await ms.connector.configureCache(ref, { gridSets: ['EPSG:4326'], formats: ['image/png', 'image/jpeg'] }, signal());
    const again = await readFile(mapcacheXml, 'utf8');
    assert.equal(again.match(/<tileset /g)?.length, 1);
    assert.match(again, /<format>mixed<\/format>/);
    await assert.rejects(
      ms.connector.configureCache(ref, { gridSets: ['EPSG:2154'], formats: ['image/png'] }, signal()),
      { code: 'cache_grid_unsupported' },
    );
    await assert.rejects(ms.connector.configureCache({ name: 'nope' }, { gridSets: [], formats: [] }, signal()), {
      code: 'not_found',
    });
    await assert.rejects(ms.connector.clearCache({ name: 'nope' }, signal()), { code: 'not_found' });
  });

  test('without mapcacheConfig, cache methods say so', async () => {
    const plain = await fresh('nocache');
    await assert.rejects(plain.connector.clearCache({ name: 'roads' }, signal()), { code: 'cache_not_configured' });
  });
});
