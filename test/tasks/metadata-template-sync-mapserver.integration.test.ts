/**
 * MetadataTemplateSync on a real MapServer (`mapserv` as CGI, decision 0011), through the REST API
 * and the engine: a layer over a real PostGIS table is published on a MapServer connection, linked
 * to a template; GetCapabilities shows the template's title and keywords after a committed sync,
 * and the old ones after a rolled-back sync.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';
import pg from 'pg';

import {
  type MapserverConnector,
  mapserverConnectorType as type,
} from '../../src/connectors/mapserver/mapserver.connector.ts';
import { mapserv, writeServiceConfig } from '../../src/connectors/mapserver/mapserver-wms.test-helper.ts';
import type { LayerMetadata } from '../../src/connectors/publisher.ts';
import type { MetadataTemplate } from '../../src/contracts/metadata-templates.dto.ts';
import { batchOf as createBatch, runBatch as runBatchAndWait } from '../helpers/batches.ts';
import { ApiClient } from '../helpers/http.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let server: TestServer;
let admin: ApiClient;
let database: TestDatabase;
let mapserver: MapserverConnector;
let serviceConfig: string;

const signal = () => AbortSignal.timeout(60_000);
const ref = { workspace: 'topo', name: 'roads' };
const original: LayerMetadata = {
  title: 'Roads of the region',
  abstract: 'All roads, as lines.',
  keywords: ['transport'],
};
const batchOf = (name: string, tasks: unknown[]) => createBatch(admin, 'gis', name, tasks);
const sync = {
  name: 'sync',
  type: 'MetadataTemplateSync',
  parameters: { 'external-geoserver': 'ms', 'metadata-template': 'roads' },
};
const failingTask = {
  name: 'bad-view',
  type: 'CreateView',
  parameters: { database: 'local', 'view-name': 'v', 'table-name': 'places', 'select-clause': 'nope' },
};

async function capabilities(): Promise<string> {
  const answer = await mapserv(serviceConfig, 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
  const text = answer.body.toString('utf8');
  assert.match(text, /<WMS_Capabilities/, text.slice(0, 500));
  return text;
}

before(async () => {
  database = await createTestDatabase('mt_mapserver');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`CREATE TABLE roads (id serial PRIMARY KEY, geom geometry(LineString, 4326));
    INSERT INTO roads (geom) VALUES (ST_MakeLine(ST_MakePoint(4, 50), ST_MakePoint(5, 51)))`);
  await client.end();
  const dir = makeTempDir('gs-mt-mapserver-');
  const settings = { mapfile: path.join(dir, 'geosync.map'), url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC' };
  serviceConfig = await writeServiceConfig(dir, settings.mapfile);
  mapserver = type.create(type.config.parse(settings), { dataDir: dir }) as MapserverConnector;
  const url = new URL(database.url);
  await mapserver.publishLayer(
    {
      ...ref,
      source: {
        kind: 'postgis',
        host: url.hostname,
        port: Number(url.port),
        database: database.name,
        user: decodeURIComponent(url.username),
        schema: 'public',
        table: 'roads',
      },
      metadata: original,
      advertised: true,
    },
    signal(),
  );

  server = await startTestServer({ engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  await sql`CREATE TABLE places (id int PRIMARY KEY)`.execute(server.ctx.db);
  const ms = await admin.request('POST', '/api/v1/connections', { name: 'ms', type: 'mapserver', config: settings });
  assert.equal(ms.status, 201, JSON.stringify(ms.body));
  const template = await admin.request<MetadataTemplate>('POST', '/api/v1/metadata-templates', {
    workspace: 'gis',
    name: 'roads',
    title: 'Road network',
    keywords: ['network'],
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  const linked = await admin.request('POST', `/api/v1/metadata-templates/${template.body.id}/links`, {
    mapServer: 'ms',
    workspace: ref.workspace,
    layer: ref.name,
  });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
});

after(async () => {
  await server?.close();
  await database?.drop();
});

test('a rolled-back sync leaves the MapServer layer as it was', async () => {
  const run = await runBatchAndWait(admin, await batchOf('broken', [sync, failingTask]));
  assert.equal(run.status, 'failed', JSON.stringify(run));
  assert.equal(run.tasks[0]?.status, 'rolled_back', JSON.stringify(run));
  assert.deepEqual((await mapserver.getLayer(ref, signal()))?.metadata, original);
  const caps = await capabilities();
  assert.match(caps, /<Title>Roads of the region<\/Title>/);
  assert.doesNotMatch(caps, /Road network/);
});

test('a committed sync shows the template in GetCapabilities; the abstract is kept', async () => {
  const run = await runBatchAndWait(admin, await batchOf('sync', [sync]));
  assert.equal(run.status, 'committed', JSON.stringify(run));
  assert.equal(run.tasks[0]?.message, "Applied metadata template 'roads' to 1 layer(s) on ms");
  const caps = await capabilities();
  assert.match(caps, /<Title>Road network<\/Title>/);
  assert.match(caps, /<Keyword>network<\/Keyword>/);
  assert.match(caps, /All roads, as lines\./);
  assert.doesNotMatch(caps, /Roads of the region|<Keyword>transport<\/Keyword>/);
});
