/**
 * TimeStamp, MetadataSync (local -> remote) and the security sync task types through the REST
 * API and the engine (commit in reverse task order, rollback when a later task fails): geosync on
 * a fresh store with the built-in publisher as local map server, and the GeoServer TEST DOUBLE
 * (test/helpers/fake-geoserver.ts) as the remote one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';

import { type GeoserverConnector, geoserverConnectorType } from '../../src/connectors/geoserver/geoserver.connector.ts';
import type { LayerMetadata } from '../../src/connectors/publisher.ts';
import { batchOf as createBatch, runBatch as runBatchAndWait } from '../helpers/batches.ts';
import { FAKE_GEOSERVER_ADMIN, type FakeGeoServer, startFakeGeoServer } from '../helpers/fake-geoserver.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: ApiClient;
let fake: FakeGeoServer;
let gs: GeoserverConnector;
const signal = () => AbortSignal.timeout(30_000);
const places = { workspace: 'topo', name: 'places' };
const at = { workspace: 'topo', layer: 'places' };

const embedded = async (query: string) => (await sql.raw<Record<string, unknown>>(query).execute(server.ctx.db)).rows;
const batchOf = (name: string, tasks: unknown[]) => createBatch(admin, 'gis', name, tasks);
const runBatch = (batchId: string) => runBatchAndWait(admin, batchId);
const localMetadata = async () =>
  (await embedded(`SELECT metadata FROM published_layers WHERE name = 'places'`))[0]?.metadata as LayerMetadata;
const remoteTitle = async () => (await gs.getLayer(places, signal()))?.metadata.title;
const remoteRule = () => fake.state.acl.get('topo.places.r');

const failingTask = {
  name: 'bad-view',
  type: 'CreateView',
  parameters: { database: 'local', 'view-name': 'v', 'table-name': 'places', 'select-clause': 'no_such_column' },
};

before(async () => {
  fake = await startFakeGeoServer();
  server = await startTestServer({ engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  const settings = { url: fake.url, ...FAKE_GEOSERVER_ADMIN };
  const created = await admin.request('POST', '/api/v1/connections', {
    name: 'gs',
    type: 'geoserver',
    config: settings,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  gs = geoserverConnectorType.create(geoserverConnectorType.config.parse(settings), {
    dataDir: '/nonexistent',
  }) as GeoserverConnector;
  await gs.publishLayer(
    {
      ...places,
      source: {
        kind: 'postgis',
        host: 'db',
        port: 5432,
        database: 'gis',
        user: 'gs',
        schema: 'public',
        table: 'places',
      },
      metadata: { title: 'Old remote title' },
      advertised: true,
    },
    signal(),
  );
  fake.state.acl.set('topo.places.r', 'ROLE_OLD');
  await embedded('CREATE TABLE src_places (id int PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326))');
  await embedded(`INSERT INTO src_places VALUES (1, 'one', ST_SetSRID(ST_MakePoint(4, 50), 4326))`);
});

after(async () => {
  await server?.close();
  await fake?.close();
});

test('one run publishes locally, stamps it, and copies its metadata and read rules to the GeoServer test double', async () => {
  const started = new Date().toISOString();
  const run = await runBatch(
    await batchOf('publish-and-sync', [
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
      { name: 'publish', type: 'LocalDbPublication', parameters: { database: 'local', 'table-name': 'places', ...at } },
      { name: 'describe', type: 'MetadataSync', parameters: { ...at, title: 'Places', keywords: 'towns' } },
      { name: 'stamp', type: 'TimeStamp', parameters: at },
      { name: 'sync-metadata', type: 'MetadataSync', parameters: { 'external-geoserver': 'gs', ...at } },
      { name: 'sync-security', type: 'LayerSecuritySync', parameters: { 'external-geoserver': 'gs', ...at } },
    ]),
  );
  assert.equal(run.status, 'committed', JSON.stringify(run));
  const local = await localMetadata();
  assert.equal(local.title, 'Places');
  assert.ok((local.dataTimestamp ?? '') >= started, JSON.stringify(local));
  assert.equal(local.metadataTimestamp, local.dataTimestamp);
  const remote = await gs.getLayer(places, signal());
  assert.deepEqual([remote?.metadata.title, remote?.metadata.keywords], ['Places', ['towns']]);
  // The new local layer has no read rule: the remote one is removed.
  assert.equal(remoteRule(), undefined);
});

test('WorkspaceSecuritySync copies the local read roles on commit', async () => {
  await embedded(`UPDATE published_layers SET read_roles = ARRAY['ROLE_GIS'] WHERE name = 'places'`);
  const run = await runBatch(
    await batchOf('workspace-security', [
      { name: 'sync', type: 'WorkspaceSecuritySync', parameters: { 'external-geoserver': 'gs', workspace: 'topo' } },
    ]),
  );
  assert.equal(run.status, 'committed', JSON.stringify(run));
  assert.match(run.tasks[0]?.message ?? '', /read rules of 1 layer\(s\) of workspace topo/);
  assert.equal(remoteRule(), 'ROLE_GIS');
});

test('a run whose later task fails: stamps and remote metadata restored, security never synced', async () => {
  const before = await localMetadata();
  await embedded(`UPDATE published_layers SET read_roles = ARRAY['ROLE_NEW'] WHERE name = 'places'`);
  const run = await runBatch(
    await batchOf('broken', [
      { name: 'stamp', type: 'TimeStamp', parameters: at },
      {
        name: 'sync-metadata',
        type: 'MetadataSync',
        parameters: { 'external-geoserver': 'gs', ...at, title: 'Wrong' },
      },
      { name: 'sync-security', type: 'LayerSecuritySync', parameters: { 'external-geoserver': 'gs', ...at } },
      failingTask,
    ]),
  );
  assert.equal(run.status, 'failed', JSON.stringify(run));
  for (const task of ['stamp', 'sync-metadata']) {
    assert.equal(run.tasks.find((t) => t.task === task)?.status, 'rolled_back', JSON.stringify(run));
  }
  assert.deepEqual(await localMetadata(), before);
  assert.equal(await remoteTitle(), 'Places');
  assert.equal(remoteRule(), 'ROLE_GIS');
});

test('bad combinations fail the run with a clear message', async () => {
  const both = await runBatch(
    await batchOf('both', [
      { name: 'm', type: 'MetadataSync', parameters: { 'external-geoserver': 'gs', 'map-server': 'local', ...at } },
    ]),
  );
  assert.equal(both.status, 'failed');
  assert.match(both.tasks[0]?.message ?? '', /either 'map-server'.*or 'external-geoserver'.*not both/);
  const itself = await runBatch(
    await batchOf('itself', [
      { name: 's', type: 'LayerSecuritySync', parameters: { 'external-geoserver': 'local', ...at } },
    ]),
  );
  assert.equal(itself.status, 'failed');
  assert.match(itself.tasks[0]?.message ?? '', /the local map server itself/);
  assert.equal(remoteRule(), 'ROLE_GIS');
});
