// The publisher contract against real MapServer 8 (`mapserv` as CGI, `map2img`) over a real
// PostGIS table, with and without MapCache; the server's own view is WMS GetCapabilities and GetMap.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

import { mapserverConnectorType as type } from '../../src/connectors/mapserver/mapserver.connector.ts';
import {
  mapserv,
  pixelsUnlikeCorner,
  startMapservHttp,
  writeServiceConfig,
} from '../../src/connectors/mapserver/mapserver-wms.test-helper.ts';
import { isPublisher, type LayerRef, type PostgisSource } from '../../src/connectors/publisher.ts';
import { publisherContract, type PublisherContractSetup, writeTestGeotiff } from '../contracts/publisher.contract.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

const execFileAsync = promisify(execFile);

/** A MapServer on a fresh folder and database; with MapCache (`cache`) or without. */
async function mapserverSetup(withCache: boolean): Promise<PublisherContractSetup> {
  const database = await createTestDatabase('pcmapserver');
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
    `);
  } finally {
    await client.end();
  }
  const url = new URL(database.url);
  const source = (table: string): PostgisSource => ({
    kind: 'postgis',
    host: url.hostname,
    port: Number(url.port),
    database: database.name,
    user: decodeURIComponent(url.username),
    // The cluster trusts local connections: never asked for, but it must not come back from getLayer.
    password: 'pc-unused-secret',
    schema: 'public',
    table,
  });

  const dir = await mkdtemp(path.join(process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir(), 'geosync-pc-mapserver-'));
  const mapfile = path.join(dir, 'geosync.map');
  const tif = await writeTestGeotiff(dir);
  const mapcacheConfig = path.join(dir, 'mapcache', 'geosync.xml');
  const serviceConfig = await writeServiceConfig(dir, mapfile);
  // MapCache fetches its tiles from this MapServer's WMS: an HTTP front for the CGI.
  const front = withCache ? await startMapservHttp(serviceConfig) : undefined;
  const settings = {
    mapfile,
    url: front?.url ?? 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC',
    ...(withCache && { mapcacheConfig }),
  };
  const publisher = type.create(type.config.parse(settings), { dataDir: dir });
  assert.ok(isPublisher(publisher));
  const nameOf = (ref: LayerRef) => (ref.workspace ? `${ref.workspace}_${ref.name}` : ref.name);
  /** The files of a folder with their text (sub-folders, e.g. MapCache's tiles, by name only). */
  const readAll = async (folder: string) => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    return Promise.all(
      entries
        .map((e) => ({ name: e.name, file: e.isFile() }))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(async (e) => [e.name, e.file ? await readFile(path.join(folder, e.name), 'utf8') : 'folder']),
    );
  };

  return {
    publisher,
    server: {
      async listed() {
        const answer = await mapserv(serviceConfig, 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
        const text = answer.body.toString('utf8');
        if (!/<WMS_Capabilities/.test(text)) throw new Error(`not a capabilities document: ${text.slice(0, 300)}`);
        // The first <Layer> is the map itself.
        return [...text.matchAll(/<Layer[^>]*>\s*<Name>([^<]*)<\/Name>/g)].map((m) => m[1]!).slice(1);
      },
      nameOf,
      // Something drawn where the data lies: the layer is served (advertised or not).
      async serves(ref) {
        const answer = await mapserv(
          serviceConfig,
          `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${encodeURIComponent(nameOf(ref))}&STYLES=&CRS=EPSG:4326&BBOX=50,4,52,6&WIDTH=64&HEIGHT=64&FORMAT=image/png`,
        );
        return answer.contentType === 'image/png' && pixelsUnlikeCorner(answer.body) > 0;
      },
      ...(withCache && {
        tileCache: {
          async fill(ref: LayerRef) {
            const args = ['-c', mapcacheConfig, '-t', nameOf(ref), '-g', 'WGS84', '-z', '0,2', '-e', '4,50,6,52', '-q'];
            await execFileAsync('mapcache_seed', args, { timeout: 60_000 });
          },
          async count(ref: LayerRef) {
            const folder = path.join(path.dirname(mapcacheConfig), 'geosync-tiles', nameOf(ref));
            const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
            return entries.filter((e) => e.isFile()).length;
          },
        },
      }),
      async state() {
        return {
          mapfile: await readFile(mapfile, 'utf8').catch(() => undefined),
          includes: await readAll(path.join(dir, 'geosync-layers')),
          mapcache: await readAll(path.dirname(mapcacheConfig)),
        };
      },
    },
    sources: [source('roads'), source('parcels')],
    refused: [
      { what: 'a missing table', change: { source: source('no_such_table') } },
      { what: 'a view MapServer cannot read', change: { source: source('broken_roads') } },
      { what: 'a name MapServer would misread', change: { name: 'two words' } },
    ],
    rasterSource: { kind: 'geotiff', path: tif },
    rasterUpload: {
      kind: 'geotiff',
      path: '/on/the/file/service/scan.tif',
      upload: { fileName: 'scan.tif', open: () => Promise.resolve(createReadStream(tif)) },
    },
    ...(withCache && { cacheOptions: { gridSets: ['EPSG:4326'], formats: ['image/png'] } }),
    cleanup: async () => {
      await publisher.close();
      await front?.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

publisherContract('MapServer with MapCache', () => mapserverSetup(true));
publisherContract('MapServer without MapCache', () => mapserverSetup(false));
