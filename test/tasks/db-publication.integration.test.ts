/**
 * LocalDbPublication of tables of any PostgreSQL database, through the REST API and the engine:
 * a real PostGIS database published on a real MapServer (`mapserv` answers GetCapabilities and
 * GetMap), commit and rollback, a table copied in the same run, and the refusals of map servers
 * that cannot reach a database. The ledger never holds the database password.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';
import pg from 'pg';

import {
  mapserv,
  pixelsUnlikeCorner,
  writeServiceConfig,
} from '../../src/connectors/mapserver/mapserver-wms.test-helper.ts';
import type { Run } from '../../src/contracts/batches.dto.ts';
import { batchOf, runBatch } from '../helpers/batches.ts';
import { ApiClient } from '../helpers/http.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const PASSWORD = 'pg-secret-never-in-the-ledger-41d7';

let server: TestServer;
let admin: ApiClient;
let gis: TestDatabase;
let mapsDir: string;
let serviceConfig: string;

async function onGis<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: gis.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const run = async (name: string, tasks: unknown[]): Promise<Run> =>
  runBatch(admin, await batchOf(admin, 'gis', name, tasks));

const publish = (table: string, layer: string, extra: Record<string, string> = {}) => ({
  name: `publish-${layer}`,
  type: 'LocalDbPublication',
  parameters: { database: 'gis', 'table-name': table, layer, 'map-server': 'maps', ...extra },
});

/** A task that fails after the publication ran, so the run rolls back. */
const failing = {
  name: 'fail',
  type: 'CreateView',
  parameters: { database: 'gis', 'view-name': 'v_fail', 'table-name': 'roads', 'select-clause': 'no_such_column' },
};

/** What the run staged, as the ledger holds it. */
async function ledgerOf(runId: string): Promise<string[]> {
  const { rows } = await sql<{ data: string }>`
    SELECT s.data::text AS data FROM staged_objects s JOIN task_runs t ON t.id = s.task_run_id
     WHERE t.batch_run_id = ${runId} ORDER BY s.created_at`.execute(server.ctx.db);
  return rows.map((r) => r.data);
}

async function layerNames(): Promise<string[]> {
  const answer = await mapserv(serviceConfig, 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
  const text = answer.body.toString('utf8');
  assert.match(text, /<WMS_Capabilities/, text.slice(0, 500));
  return [...text.matchAll(/<Layer[^>]*>\s*<Name>([^<]*)<\/Name>/g)].map((m) => m[1]!).slice(1);
}

async function drawnPixels(layer: string): Promise<number> {
  const answer = await mapserv(
    serviceConfig,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${layer}&STYLES=&CRS=EPSG:4326&BBOX=49,3,53,7&WIDTH=256&HEIGHT=256&FORMAT=image/png`,
  );
  assert.equal(answer.contentType, 'image/png', answer.body.toString('utf8', 0, 300));
  return pixelsUnlikeCorner(answer.body);
}

const includes = async () => (await readdir(path.join(mapsDir, 'geosync-layers'))).sort();
const tempTables = async () =>
  (await onGis<{ relname: string }>(`SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%'`)).map(
    (r) => r.relname,
  );

before(async () => {
  gis = await createTestDatabase('dbpub');
  await onGis(`
    CREATE TABLE roads (id int PRIMARY KEY, name text, geom geometry(LineString, 4326));
    INSERT INTO roads SELECT i, 'road ' || i,
      ST_SetSRID(ST_MakeLine(ST_MakePoint(4 + i * 0.1, 50), ST_MakePoint(6, 52 - i * 0.1)), 4326)
      FROM generate_series(1, 15) AS i;
    CREATE TABLE src_roads AS SELECT * FROM roads;
    ALTER TABLE src_roads ADD PRIMARY KEY (id);
  `);
  server = await startTestServer({ engine: true, postgis: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  const u = new URL(gis.url);
  const database = await admin.request('POST', '/api/v1/connections', {
    name: 'gis',
    type: 'postgis',
    config: {
      host: u.hostname,
      port: Number(u.port),
      database: gis.name,
      user: u.username,
      password: PASSWORD,
      sslMode: 'disable',
    },
  });
  assert.equal(database.status, 201, JSON.stringify(database.body));
  mapsDir = makeTempDir('geosync-dbpub-maps-');
  await mkdir(mapsDir, { recursive: true });
  const mapfile = path.join(mapsDir, 'geosync.map');
  serviceConfig = await writeServiceConfig(mapsDir, mapfile);
  const maps = await admin.request('POST', '/api/v1/connections', {
    name: 'maps',
    type: 'mapserver',
    config: { mapfile, url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC' },
  });
  assert.equal(maps.status, 201, JSON.stringify(maps.body));
});

after(async () => {
  await server?.close();
  await gis?.drop();
});

test('a PostGIS table published on MapServer is listed and drawn after commit; the ledger has no password', async () => {
  const committed = await run('roads', [publish('roads', 'roads')]);
  assert.equal(committed.status, 'committed', JSON.stringify(committed));
  assert.deepEqual(await layerNames(), ['roads']);
  assert.ok((await drawnPixels('roads')) > 100, 'the map is blank');
  const include = await readFile(path.join(mapsDir, 'geosync-layers', 'roads.map'), 'utf8');
  assert.match(include, new RegExp(`dbname='?${gis.name}`), 'MapServer reads the gis database');
  const ledger = await ledgerOf(committed.id);
  assert.equal(ledger.length, 1);
  assert.match(ledger[0]!, /"database": ?"gis"/);
  for (const data of ledger) assert.doesNotMatch(data, new RegExp(PASSWORD), 'no password in the ledger');
});

test('a run that fails after the publication rolls it back: the new layer is not listed', async () => {
  const failed = await run('rolled-back', [publish('roads', 'roads_rb'), failing]);
  assert.equal(failed.status, 'failed', JSON.stringify(failed));
  assert.equal(failed.tasks.find((t) => t.task === 'publish-roads_rb')?.status, 'rolled_back', JSON.stringify(failed));
  assert.deepEqual(await layerNames(), ['roads']);
  assert.deepEqual(await includes(), ['roads.map']);
});

test('republishing keeps the layer in place when the run rolls back, and replaces it on commit', async () => {
  const before = await readFile(path.join(mapsDir, 'geosync-layers', 'roads.map'), 'utf8');
  const failed = await run('replace-fails', [publish('src_roads', 'roads'), failing]);
  assert.equal(failed.status, 'failed', JSON.stringify(failed));
  assert.equal(await readFile(path.join(mapsDir, 'geosync-layers', 'roads.map'), 'utf8'), before);
  const committed = await run('replace', [publish('src_roads', 'roads')]);
  assert.equal(committed.status, 'committed', JSON.stringify(committed));
  assert.deepEqual(await layerNames(), ['roads']);
  assert.match(await readFile(path.join(mapsDir, 'geosync-layers', 'roads.map'), 'utf8'), /"src_roads"/);
  assert.deepEqual(await includes(), ['roads.map']);
});

test('a table copied in the same run is published from the copy, and swapped in on commit', async () => {
  const committed = await run('copied', [
    {
      name: 'copy',
      type: 'CopyTable',
      parameters: {
        'source-database': 'gis',
        'table-name': 'src_roads',
        'target-database': 'gis',
        'target-table-name': 'roads_copy',
      },
    },
    publish('roads_copy', 'copied', { workspace: 'topo' }),
  ]);
  assert.equal(committed.status, 'committed', JSON.stringify(committed));
  assert.deepEqual(await layerNames(), ['roads', 'topo_copied']);
  assert.ok((await drawnPixels('topo_copied')) > 100, 'the map is blank');
  const include = await readFile(path.join(mapsDir, 'geosync-layers', 'topo_copied.map'), 'utf8');
  assert.match(include, /"roads_copy"/);
  assert.doesNotMatch(include, /_temp_/);
  assert.deepEqual(await tempTables(), []);
  for (const data of await ledgerOf(committed.id)) assert.doesNotMatch(data, new RegExp(PASSWORD));
});

test('map servers that cannot reach the database refuse it clearly, and nothing is left behind', async () => {
  // The built-in publisher serves geosync's own store only.
  const onBuiltin = await run('on-builtin', [
    { name: 'publish', type: 'LocalDbPublication', parameters: { database: 'gis', 'table-name': 'roads', layer: 'r' } },
  ]);
  assert.equal(onBuiltin.status, 'failed', JSON.stringify(onBuiltin));
  assert.match(onBuiltin.tasks[0]?.message ?? '', /own store only.*copy the table into the 'local' database/);
  assert.doesNotMatch(onBuiltin.tasks[0]?.message ?? '', new RegExp(PASSWORD));
  const layers = await sql<{ n: number }>`SELECT count(*)::int AS n FROM published_layers`.execute(server.ctx.db);
  assert.equal(layers.rows[0]?.n, 0);
  // MapServer cannot connect to geosync's embedded store.
  await sql`CREATE TABLE places (id int PRIMARY KEY, geom geometry(Point, 4326))`.execute(server.ctx.db);
  const embedded = await run('embedded-on-mapserver', [publish('places', 'places', { database: 'local' })]);
  assert.equal(embedded.status, 'failed', JSON.stringify(embedded));
  assert.match(embedded.tasks[0]?.message ?? '', /embedded store/);
  const missing = await run('missing', [publish('nope', 'nope')]);
  assert.equal(missing.status, 'failed');
  assert.match(missing.tasks[0]?.message ?? '', /'nope' does not exist in database 'gis'/);
  assert.deepEqual(await ledgerOf(missing.id), [], 'refused before anything was staged');
  assert.deepEqual(await layerNames(), ['roads', 'topo_copied']);
  assert.deepEqual(await includes(), ['roads.map', 'topo_copied.map']);
});
