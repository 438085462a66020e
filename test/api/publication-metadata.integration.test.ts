/**
 * MetadataSync and ConfigureCachedLayer through the REST API and the engine, on the embedded store
 * (PGlite + PostGIS) and the built-in map server: a layer is published first (CopyTable +
 * LocalDbPublication), then its metadata is updated (and rolled back when a later task fails) and
 * its tile cache configured; read back over OGC API Features and vector tiles.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';

import { ApiClient } from '../helpers/http.ts';
import { batchOf as createBatch, runBatch as runBatchAndWait } from '../helpers/batches.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: ApiClient;

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

interface Collection {
  id: string;
  title: string;
  description?: string;
  keywords?: string[];
}
const collection = async (layer: string) => (await ogc<Collection>(`/ogc/collections/${layer}`)).body;
const tileCache = async (layer: string) =>
  (await fetch(`${server.url}/ogc/collections/${layer}/tiles/0/0/0.mvt`)).headers.get('x-geosync-tile-cache');

const failingTask = {
  name: 'bad-view',
  type: 'CreateView',
  parameters: {
    database: 'local',
    'view-name': 'places_view',
    'table-name': 'places',
    'select-clause': 'no_such_column',
  },
};

before(async () => {
  server = await startTestServer({ backend: 'pglite', postgis: true, engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  await embedded('CREATE TABLE src_places (id int PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326))');
  await addPlaces(1, 20);
  const published = await runBatch(
    await batchOf('publish', [
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
    ]),
  );
  assert.equal(published.status, 'committed', JSON.stringify(published));
});

after(async () => {
  await server?.close();
});

test('MetadataSync updates title, abstract and keywords; parameters left out are kept', async () => {
  const run = await runBatch(
    await batchOf('metadata', [
      {
        name: 'metadata',
        type: 'MetadataSync',
        parameters: { layer: 'places', title: 'Places', abstract: 'Populated places', keywords: 'towns, places,' },
      },
    ]),
  );
  assert.equal(run.status, 'committed', JSON.stringify(run));
  const after1 = await collection('places');
  assert.deepEqual(
    [after1.title, after1.description, after1.keywords],
    ['Places', 'Populated places', ['towns', 'places']],
  );

  const titleOnly = await runBatch(
    await batchOf('metadata-title', [
      { name: 'metadata', type: 'MetadataSync', parameters: { layer: 'places', title: 'Settlements' } },
    ]),
  );
  assert.equal(titleOnly.status, 'committed', JSON.stringify(titleOnly));
  const after2 = await collection('places');
  assert.deepEqual(
    [after2.title, after2.description, after2.keywords],
    ['Settlements', 'Populated places', ['towns', 'places']],
  );
});

test('a MetadataSync followed by a failing task is rolled back: the old metadata is back', async () => {
  const run = await runBatch(
    await batchOf('metadata-broken', [
      { name: 'metadata', type: 'MetadataSync', parameters: { layer: 'places', title: 'Wrong', keywords: 'x' } },
      failingTask,
    ]),
  );
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.equal(run.tasks.find((t) => t.task === 'metadata')?.status, 'rolled_back', JSON.stringify(run));
  const now = await collection('places');
  assert.deepEqual(
    [now.title, now.description, now.keywords],
    ['Settlements', 'Populated places', ['towns', 'places']],
  );
});

test('MetadataSync after a publication in the same run: the new layer carries the new metadata', async () => {
  const run = await runBatch(
    await batchOf('republish-metadata', [
      {
        name: 'publish',
        type: 'LocalDbPublication',
        parameters: { database: 'local', 'table-name': 'places', layer: 'places' },
      },
      { name: 'metadata', type: 'MetadataSync', parameters: { layer: 'places', title: 'Republished' } },
    ]),
  );
  assert.equal(run.status, 'committed', JSON.stringify(run));
  const now = await collection('places');
  assert.deepEqual([now.title, now.description], ['Republished', 'Populated places']);
});

test('ConfigureCachedLayer configures the tile cache on commit: a miss, then a hit', async () => {
  assert.equal(await tileCache('places'), 'off');
  const broken = await runBatch(
    await batchOf('cache-broken', [
      { name: 'cache', type: 'ConfigureCachedLayer', parameters: { layer: 'places' } },
      failingTask,
    ]),
  );
  assert.equal(broken.status, 'failed', JSON.stringify(broken));
  assert.equal(await tileCache('places'), 'off');

  const run = await runBatch(
    await batchOf('cache', [{ name: 'cache', type: 'ConfigureCachedLayer', parameters: { layer: 'places' } }]),
  );
  assert.equal(run.status, 'committed', JSON.stringify(run));
  assert.equal(await tileCache('places'), 'miss');
  assert.equal(await tileCache('places'), 'hit');
});

test('MetadataSync and ConfigureCachedLayer of a missing layer fail clearly', async () => {
  const metadata = await runBatch(
    await batchOf('metadata-missing', [
      { name: 'metadata', type: 'MetadataSync', parameters: { layer: 'nope', title: 'x' } },
    ]),
  );
  assert.equal(metadata.status, 'failed');
  assert.match(metadata.tasks[0]?.message ?? '', /no layer 'nope'/);
  const cache = await runBatch(
    await batchOf('cache-missing', [{ name: 'cache', type: 'ConfigureCachedLayer', parameters: { layer: 'nope' } }]),
  );
  assert.equal(cache.status, 'failed');
  assert.match(cache.tasks[0]?.message ?? '', /no layer 'nope'/);
  const bad = await runBatch(
    await batchOf('cache-bad-grid', [
      { name: 'cache', type: 'ConfigureCachedLayer', parameters: { layer: 'places', 'grid-sets': 'EPSG:4326' } },
    ]),
  );
  assert.notEqual(bad.status, 'committed', JSON.stringify(bad));
});
