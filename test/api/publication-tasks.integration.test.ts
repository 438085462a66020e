/**
 * Publication through the REST API and the engine: geosync on its embedded store (PGlite +
 * PostGIS), a configuration that copies a table within `local`, publishes the copy on the built-in
 * map server (LocalDbPublication) and clears its tile cache (ClearCachedLayer); read back over
 * OGC API Features. A second run replaces the layer; a run whose later task fails leaves it as it was.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';

import { ApiClient } from '../helpers/http.ts';
import { batchOf as createBatch, runBatch as runBatchAndWait } from '../helpers/batches.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: ApiClient;

const publicationTasks = [
  {
    name: 'copy',
    type: 'CopyTable',
    parameters: {
      'source-database': 'local',
      'table-name': 'src_places',
      'target-database': 'local',
      'target-table-name': 'places',
    },
  },
  {
    name: 'publish',
    type: 'LocalDbPublication',
    parameters: { database: 'local', 'table-name': 'places', layer: 'places' },
  },
  { name: 'clear-cache', type: 'ClearCachedLayer', parameters: { layer: 'places' } },
];

const embedded = async (query: string) => (await sql.raw<Record<string, unknown>>(query).execute(server.ctx.db)).rows;

async function addPlaces(from: number, to: number): Promise<void> {
  await embedded(`INSERT INTO src_places SELECT i, 'place ' || i, ST_SetSRID(ST_MakePoint(i, 45), 4326)
                    FROM generate_series(${from}, ${to}) AS i`);
}

const batchOf = (name: string, tasks: unknown[]) => createBatch(admin, 'gis', name, tasks);
const runBatch = (batchId: string) => runBatchAndWait(admin, batchId);

async function ogc<T>(pathname: string): Promise<{ status: number; body: T }> {
  const response = await fetch(server.url + pathname);
  return { status: response.status, body: (await response.json()) as T };
}

const collections = async () =>
  (await ogc<{ collections: { id: string }[] }>('/ogc/collections')).body.collections.map((c) => c.id);
const numberMatched = async (layer: string) =>
  (await ogc<{ numberMatched: number }>(`/ogc/collections/${layer}/items?limit=1`)).body.numberMatched;
const layerNames = async () =>
  (await embedded('SELECT name, advertised FROM published_layers ORDER BY name')).map(
    (r) => `${String(r.name)}:${String(r.advertised)}`,
  );

before(async () => {
  server = await startTestServer({ backend: 'pglite', postgis: true, engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  await embedded('CREATE TABLE src_places (id int PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326))');
  await addPlaces(1, 20);
});

after(async () => {
  await server?.close();
});

test('a copied table is published on the built-in map server; a second run replaces the layer', async () => {
  const batch = await batchOf('places', publicationTasks);
  const first = await runBatch(batch);
  assert.equal(first.status, 'committed', JSON.stringify(first));
  assert.deepEqual(await collections(), ['places']);
  assert.equal(await numberMatched('places'), 20);
  assert.deepEqual(await layerNames(), ['places:true']);

  await addPlaces(21, 25);
  const second = await runBatch(batch);
  assert.equal(second.status, 'committed', JSON.stringify(second));
  assert.deepEqual(await collections(), ['places']);
  assert.equal(await numberMatched('places'), 25);
  assert.deepEqual(await layerNames(), ['places:true']);
  assert.deepEqual(await embedded(`SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%'`), []);
});

test('a run whose later task fails rolls the publication back: the layer stays as it was', async () => {
  await addPlaces(26, 30);
  const batch = await batchOf('places-broken', [
    ...publicationTasks,
    {
      name: 'bad-view',
      type: 'CreateView',
      parameters: {
        database: 'local',
        'view-name': 'places_view',
        'table-name': 'places',
        'select-clause': 'no_such_column',
      },
    },
  ]);
  const run = await runBatch(batch);
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.equal(run.tasks.find((t) => t.task === 'publish')?.status, 'rolled_back', JSON.stringify(run));
  assert.deepEqual(await collections(), ['places']);
  assert.equal(await numberMatched('places'), 25);
  assert.deepEqual(await layerNames(), ['places:true']);
  assert.deepEqual(await embedded(`SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%'`), []);
});

test('LocalDbPublication refuses a table that does not exist, and ClearCachedLayer a layer that does not', async () => {
  const missingTable = await runBatch(
    await batchOf('no-table', [
      {
        name: 'publish',
        type: 'LocalDbPublication',
        parameters: { database: 'local', 'table-name': 'nope', layer: 'x' },
      },
    ]),
  );
  assert.equal(missingTable.status, 'failed');
  assert.match(missingTable.tasks[0]?.message ?? '', /nope.*does not exist/);
  const missingLayer = await runBatch(
    await batchOf('no-layer', [{ name: 'clear', type: 'ClearCachedLayer', parameters: { layer: 'nope' } }]),
  );
  assert.equal(missingLayer.status, 'failed');
  assert.match(missingLayer.tasks[0]?.message ?? '', /no layer 'nope'/);
  assert.deepEqual(await layerNames(), ['places:true']);
});

test("the cache task types take the Task Manager's `external-geoserver` for `map-server`", async () => {
  const aliased = await runBatch(
    await batchOf('aliased', [
      { name: 'clear', type: 'ClearCachedLayer', parameters: { 'external-geoserver': 'local', layer: 'places' } },
    ]),
  );
  assert.equal(aliased.status, 'committed', JSON.stringify(aliased));
  const unknown = await runBatch(
    await batchOf('aliased-unknown', [
      { name: 'clear', type: 'ClearCachedLayer', parameters: { 'external-geoserver': 'local', layer: 'nope' } },
    ]),
  );
  assert.match(unknown.tasks[0]?.message ?? '', /Map server 'local' has no layer 'nope'/);
});

test('republishing a layer keeps the read roles it had on the built-in map server', async () => {
  await embedded(`UPDATE published_layers SET read_roles = ARRAY['ROLE_GIS'] WHERE name = 'places'`);
  const batch = await batchOf('places-roles', publicationTasks);
  const run = await runBatch(batch);
  assert.equal(run.status, 'committed', JSON.stringify(run));
  assert.deepEqual(await embedded(`SELECT name, read_roles FROM published_layers ORDER BY name`), [
    { name: 'places', read_roles: ['ROLE_GIS'] },
  ]);
  // Read roles now apply: anonymous callers no longer see the layer.
  assert.deepEqual(await collections(), []);
  await embedded(`UPDATE published_layers SET read_roles = NULL WHERE name = 'places'`);
});
