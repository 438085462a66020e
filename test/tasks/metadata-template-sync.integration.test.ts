/**
 * MetadataTemplateSync through the REST API and the engine: templates and links made over REST,
 * layers on the built-in publisher (published by LocalDbPublication from geosync's own store) and
 * on the GeoServer test double (test/helpers/fake-geoserver.ts). A sync writes the template's
 * fields on every linked layer and keeps the rest; a later failure rolls every layer back to its
 * exact previous metadata; a missing linked layer is reported; an unknown template fails the run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';

import { geoserverConnectorType } from '../../src/connectors/geoserver/geoserver.connector.ts';
import type { LayerMetadata, Publisher } from '../../src/connectors/publisher.ts';
import type { MetadataTemplate } from '../../src/contracts/metadata-templates.dto.ts';
import { metadataTemplateSyncTask } from '../../src/tasks/metadata-template-sync/metadata-template-sync.task.ts';
import type { StagedObject, TaskConnections } from '../../src/tasks/task-type.ts';
import { batchOf as createBatch, runBatch as runBatchAndWait } from '../helpers/batches.ts';
import { FAKE_GEOSERVER_ADMIN, type FakeGeoServer, startFakeGeoServer } from '../helpers/fake-geoserver.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { taskContext } from './task-context.ts';

let server: TestServer;
let admin: ApiClient;
let fake: FakeGeoServer;
let geoserver: Publisher;
let templateId: string;

const signal = () => AbortSignal.timeout(20_000);
const link = { href: 'https://csw.example.org/?id=gazetteer', type: 'ISO19115:2003', format: 'text/xml' };
const batchOf = (name: string, tasks: unknown[]) => createBatch(admin, 'gis', name, tasks);
const runBatch = (batchId: string) => runBatchAndWait(admin, batchId);
const sync = (target: string, template = 'gazetteer') => ({
  name: 'sync',
  type: 'MetadataTemplateSync',
  parameters: { 'external-geoserver': target, 'metadata-template': template },
});
const failingTask = {
  name: 'bad-view',
  type: 'CreateView',
  parameters: { database: 'local', 'view-name': 'places_view', 'table-name': 'places', 'select-clause': 'nope' },
};

async function builtinMetadata(layer: string): Promise<LayerMetadata> {
  const rows = await sql<{
    metadata: LayerMetadata;
  }>`SELECT metadata FROM published_layers WHERE name = ${layer}`.execute(server.ctx.db);
  return rows.rows[0]!.metadata;
}
const roadsMetadata = async () => (await geoserver.getLayer({ workspace: 'topo', name: 'roads' }, signal()))!.metadata;

async function runLog(runId: string): Promise<string[]> {
  const log = await admin.request<{ items: { level: string; message: string }[] }>('GET', `/api/v1/runs/${runId}/log`);
  return log.body.items.map((l) => `${l.level}: ${l.message}`);
}

before(async () => {
  fake = await startFakeGeoServer();
  server = await startTestServer({ engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  await admin.request('POST', '/api/v1/workspaces', { name: 'other' });
  const gs = await admin.request('POST', '/api/v1/connections', {
    name: 'remote-gs',
    type: 'geoserver',
    config: { url: fake.url, ...FAKE_GEOSERVER_ADMIN },
  });
  assert.equal(gs.status, 201, JSON.stringify(gs.body));
  geoserver = geoserverConnectorType.create(
    geoserverConnectorType.config.parse({ url: fake.url, ...FAKE_GEOSERVER_ADMIN }),
    { dataDir: '/nonexistent' },
  ) as unknown as Publisher;
  await geoserver.publishLayer(
    {
      workspace: 'topo',
      name: 'roads',
      source: {
        kind: 'postgis',
        host: 'db',
        port: 5432,
        database: 'gis',
        user: 'gs',
        schema: 'public',
        table: 'roads',
      },
      metadata: { title: 'Roads', keywords: ['transport'] },
      advertised: true,
    },
    signal(),
  );

  await sql`CREATE TABLE places (id int PRIMARY KEY, name text NOT NULL, geom geometry(Point, 4326))`.execute(
    server.ctx.db,
  );
  await sql`INSERT INTO places VALUES (1, 'a', ST_SetSRID(ST_MakePoint(4, 45), 4326))`.execute(server.ctx.db);
  const publish = (layer: string) => ({
    name: `publish-${layer}`,
    type: 'LocalDbPublication',
    parameters: { database: 'local', 'table-name': 'places', layer },
  });
  const published = await runBatch(await batchOf('publish', [publish('places'), publish('towns')]));
  assert.equal(published.status, 'committed', JSON.stringify(published));
  const before = {
    title: 'Places',
    abstract: 'Populated places',
    keywords: ['towns'],
    dataTimestamp: '2026-01-01T00:00:00Z',
  };
  await sql`UPDATE published_layers SET metadata = ${JSON.stringify(before)}::jsonb`.execute(server.ctx.db);

  const created = await admin.request<MetadataTemplate>('POST', '/api/v1/metadata-templates', {
    workspace: 'gis',
    name: 'gazetteer',
    title: 'Settlements',
    keywords: ['settlements', 'gazetteer'],
    metadataLinks: [link],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  templateId = created.body.id;
  for (const body of [
    { mapServer: 'local', layer: 'places' },
    { mapServer: 'local', layer: 'towns' },
    { mapServer: 'local', layer: 'ghost' },
    { mapServer: 'remote-gs', workspace: 'topo', layer: 'roads' },
  ]) {
    const linked = await admin.request('POST', `/api/v1/metadata-templates/${templateId}/links`, body);
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
  }
});

after(async () => {
  await server?.close();
  await fake?.close();
});

test('a failing later task rolls every linked layer back to its exact metadata (built-in publisher)', async () => {
  const [places, towns] = [await builtinMetadata('places'), await builtinMetadata('towns')];
  const run = await runBatch(await batchOf('sync-broken', [sync('local'), failingTask]));
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.equal(run.tasks.find((t) => t.task === 'sync')?.status, 'rolled_back', JSON.stringify(run));
  assert.deepEqual(await builtinMetadata('places'), places);
  assert.deepEqual(await builtinMetadata('towns'), towns);
});

test('a sync writes the template on every linked layer, keeps the rest, and reports a missing one', async () => {
  const run = await runBatch(await batchOf('sync-local', [sync('local')]));
  assert.equal(run.status, 'committed', JSON.stringify(run));
  assert.equal(
    run.tasks[0]?.message,
    "Applied metadata template 'gazetteer' to 2 layer(s) on local; missing there: ghost",
  );
  const expected = {
    title: 'Settlements',
    abstract: 'Populated places',
    keywords: ['settlements', 'gazetteer'],
    metadataLinks: [link],
    dataTimestamp: '2026-01-01T00:00:00Z',
  };
  assert.deepEqual(await builtinMetadata('places'), expected);
  assert.deepEqual(await builtinMetadata('towns'), expected);
  const log = await runLog(run.id);
  assert.ok(
    log.some((l) => l === "warn: Map server 'local' has no layer 'ghost' (linked to template 'gazetteer')"),
    log.join('\n'),
  );
  assert.ok(
    log.some((l) => l.includes("Skipped topo:roads: linked on map server 'remote-gs'")),
    log.join('\n'),
  );
  assert.deepEqual(await roadsMetadata(), { title: 'Roads', keywords: ['transport'] }, 'other map servers untouched');
});

test('GeoServer test double: rollback clears what the template added; a committed sync sets it', async () => {
  await admin.request('PATCH', `/api/v1/metadata-templates/${templateId}`, { abstract: 'Every settlement' });
  const before = await roadsMetadata();
  assert.deepEqual(before, { title: 'Roads', keywords: ['transport'] });
  const broken = await runBatch(await batchOf('gs-broken', [sync('remote-gs'), failingTask]));
  assert.equal(broken.status, 'failed', JSON.stringify(broken));
  assert.equal(broken.tasks[0]?.status, 'rolled_back', JSON.stringify(broken));
  assert.deepEqual(await roadsMetadata(), before, 'GeoServer keeps fields a PUT leaves out: they are cleared');

  const run = await runBatch(await batchOf('gs-sync', [sync('remote-gs')]));
  assert.equal(run.status, 'committed', JSON.stringify(run));
  // The layers linked on the local map server are looked for on the target too (remote publications keep names).
  assert.equal(
    run.tasks[0]?.message,
    "Applied metadata template 'gazetteer' to 1 layer(s) on remote-gs; missing there: ghost, places, towns",
  );
  assert.deepEqual(await roadsMetadata(), {
    title: 'Settlements',
    abstract: 'Every settlement',
    keywords: ['settlements', 'gazetteer'],
    metadataLinks: [link],
  });
});

test('an unknown template, or one of another workspace, fails the run with a clear message', async () => {
  await admin.request('POST', '/api/v1/metadata-templates', { workspace: 'other', name: 'elsewhere', title: 'X' });
  for (const name of ['nope', 'elsewhere']) {
    const run = await runBatch(await batchOf(`unknown-${name}`, [sync('local', name)]));
    assert.equal(run.status, 'failed', JSON.stringify(run));
    assert.equal(
      run.tasks[0]?.message,
      `Metadata template '${name}' does not exist in the workspace of this configuration`,
    );
  }
  const run = await runBatch(await batchOf('unknown-server', [sync('no-such-server')]));
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.match(run.tasks[0]?.message ?? '', /no-such-server/);
});

test('GeoServer test double with wrong credentials: the run fails clearly, no layer is counted missing', async () => {
  const wrong = await admin.request('POST', '/api/v1/connections', {
    name: 'wrong-gs',
    type: 'geoserver',
    config: { url: fake.url, username: FAKE_GEOSERVER_ADMIN.username, password: 'not-the-password' },
  });
  assert.equal(wrong.status, 201, JSON.stringify(wrong.body));
  const linked = await admin.request('POST', `/api/v1/metadata-templates/${templateId}/links`, {
    mapServer: 'wrong-gs',
    workspace: 'topo',
    layer: 'roads',
  });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const before = await roadsMetadata();
  const run = await runBatch(await batchOf('wrong-credentials', [sync('wrong-gs')]));
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.match(run.tasks[0]?.message ?? '', /refused the login .*check the user name and password/);
  assert.ok(!JSON.stringify(run).includes('not-the-password'), 'the password is in no message');
  assert.deepEqual(await roadsMetadata(), before);
});

test('every layer is staged before the first change; a failure mid-way rolls back the changed ones', async () => {
  const events: string[] = [];
  const layers = new Map<string, LayerMetadata>([
    ['a', { title: 'A' }],
    ['b', { title: 'B' }],
    ['c', { title: 'C', abstract: 'kept' }],
  ]);
  let failOnce = true;
  const publisher = {
    getLayer: async (ref: { name: string }) => {
      const metadata = layers.get(ref.name);
      return metadata && { name: ref.name, metadata: { ...metadata } };
    },
    updateMetadata: async (ref: { name: string }, metadata: LayerMetadata) => {
      events.push(`update ${ref.name}`);
      if (ref.name === 'b' && failOnce) {
        failOnce = false;
        throw new Error('map server down');
      }
      layers.set(ref.name, metadata);
    },
  } as unknown as Publisher;
  const connections = { localMapServer: 'local', mapServer: async () => publisher } as unknown as TaskConnections;
  const base = taskContext(connections);
  const ctx = {
    ...base,
    services: {
      ...base.services,
      metadataTemplates: {
        forRun: async () => ({
          name: 't',
          metadata: { title: 'T' },
          links: ['a', 'b', 'c'].map((layer) => ({ mapServer: 'local', layer })),
        }),
      },
    },
    stage: (object: Omit<StagedObject, 'id'>) => {
      events.push(`stage ${object.name}`);
      return base.stage(object);
    },
  };
  const params = { 'external-geoserver': 'local', 'metadata-template': 't' };
  await assert.rejects(metadataTemplateSyncTask.run(params, ctx), /map server down/);
  assert.deepEqual(events, ['stage local::a', 'stage local::b', 'stage local::c', 'update a', 'update b']);
  assert.deepEqual(layers.get('a'), { title: 'T' });
  for (const object of [...base.staged].reverse()) await metadataTemplateSyncTask.rollbackStaged(object, ctx);
  assert.deepEqual(Object.fromEntries(layers), {
    a: { title: 'A' },
    b: { title: 'B' },
    c: { title: 'C', abstract: 'kept' },
  });
});
