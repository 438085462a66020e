/**
 * The Task Manager guide's "Examples" section, end to end through the REST API and the engine:
 * a partner's source database, a work database served by the work map server (the local one, a
 * real MapServer), and a public database served by a public MapServer. One template holds the
 * whole workflow:
 *  - `@Initialize`: copy the table from the source database to the work database, publish it locally;
 *  - `PublishRemotely`: copy it on to the public database and publish it on the public map server,
 *    with the metadata of the local layer;
 *  - `Synchronize` (weekly): copy the data again along the same path and sync the metadata.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';

import pg from 'pg';

import {
  mapserv,
  pixelsUnlikeCorner,
  writeServiceConfig,
} from '../../src/connectors/mapserver/mapserver-wms.test-helper.ts';
import { claimDueFires } from '../../src/engine/scheduler/schedule-loop.ts';
import type { Batch, Run } from '../../src/contracts/batches.dto.ts';
import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import { runBatch } from '../helpers/batches.ts';
import { ApiClient } from '../helpers/http.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let server: TestServer;
let admin: ApiClient;
let partner: TestDatabase;
let work: TestDatabase;
let publicDb: TestDatabase;
let dir: string;

interface MapServerFolder {
  mapfile: string;
  serviceConfig: string;
}
const mapServers: Record<string, MapServerFolder> = {};

async function sqlOn<T extends pg.QueryResultRow>(db: TestDatabase, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function addRoads(from: number, to: number): Promise<void> {
  await sqlOn(
    partner,
    `INSERT INTO roads SELECT i, 'road ' || i,
       ST_SetSRID(ST_MakeLine(ST_MakePoint(4 + i * 0.01, 50), ST_MakePoint(6, 52 - i * 0.01)), 4326)
     FROM generate_series(${from}, ${to}) AS i`,
  );
}

async function postgisConnection(name: string, db: TestDatabase): Promise<void> {
  const u = new URL(db.url);
  const created = await admin.request('POST', '/api/v1/connections', {
    name,
    type: 'postgis',
    config: {
      host: u.hostname,
      port: Number(u.port),
      database: u.pathname.slice(1),
      user: u.username,
      sslMode: 'disable',
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

async function mapServerConnection(name: string): Promise<void> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  const mapfile = path.join(folder, 'geosync.map');
  mapServers[name] = { mapfile, serviceConfig: await writeServiceConfig(folder, mapfile) };
  const created = await admin.request('POST', '/api/v1/connections', {
    name,
    type: 'mapserver',
    config: { mapfile, url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

async function capabilities(mapServer: string): Promise<string> {
  const answer = await mapserv(
    mapServers[mapServer]!.serviceConfig,
    'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities',
  );
  const text = answer.body.toString('utf8');
  assert.match(text, /<WMS_Capabilities/, text.slice(0, 500));
  return text;
}

/** The layers a map server lists (the first `<Layer>` is the map itself), with their titles. */
async function listed(mapServer: string): Promise<string[]> {
  return [
    ...(await capabilities(mapServer)).matchAll(/<Layer[^>]*>\s*<Name>([^<]*)<\/Name>\s*<Title>([^<]*)<\/Title>/g),
  ]
    .slice(1)
    .map((m) => `${m[1]}: ${m[2]}`);
}

async function drawnPixels(mapServer: string, layer: string): Promise<number> {
  const answer = await mapserv(
    mapServers[mapServer]!.serviceConfig,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${layer}&STYLES=&CRS=EPSG:4326&BBOX=49,3,53,7&WIDTH=256&HEIGHT=256&FORMAT=image/png`,
  );
  assert.equal(answer.contentType, 'image/png', answer.body.toString('utf8', 0, 300));
  return pixelsUnlikeCorner(answer.body);
}

const count = async (db: TestDatabase) =>
  Number((await sqlOn<{ n: string }>(db, 'SELECT count(*) AS n FROM roads'))[0]!.n);

async function waitForRun(id: string): Promise<Run> {
  for (let i = 0; i < 600; i++) {
    const run = await admin.request<Run>('GET', `/api/v1/runs/${id}`);
    if (!['queued', 'running'].includes(run.body.status)) return run.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${id} did not end`);
}

before(async () => {
  [partner, work, publicDb] = await Promise.all([
    createTestDatabase('partner'),
    createTestDatabase('work'),
    createTestDatabase('public'),
  ]);
  await sqlOn(partner, 'CREATE TABLE roads (id int PRIMARY KEY, name text NOT NULL, geom geometry(LineString, 4326))');
  await addRoads(1, 40);
  dir = makeTempDir('geosync-example-');
  server = await startTestServer({ engine: true, settings: { publication: { localMapServer: 'work-maps' } } });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  await postgisConnection('partner', partner);
  await postgisConnection('work', work);
  await postgisConnection('public', publicDb);
  await mapServerConnection('work-maps');
  await mapServerConnection('public-maps');
});

after(async () => {
  await server?.close();
  await Promise.all([partner?.drop(), work?.drop(), publicDb?.drop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The template of the guide's example: its tasks, and its three batches. */
async function createTemplate(): Promise<Configuration> {
  const template = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'db-workflow',
    template: true,
    attributes: { 'work-db': 'work' },
    tasks: [
      {
        name: 'copy-to-work',
        type: 'CopyTable',
        parameters: {
          'source-database': '${source-db}',
          'table-name': '${source-table}',
          'target-database': '${work-db}',
          'target-table-name': '${layer}',
        },
      },
      {
        name: 'publish-locally',
        type: 'LocalDbPublication',
        parameters: { database: '${work-db}', 'table-name': '${layer}', layer: '${layer}' },
      },
      { name: 'describe', type: 'MetadataSync', parameters: { layer: '${layer}', title: '${title}' } },
      {
        name: 'copy-to-target',
        type: 'CopyTable',
        parameters: { 'source-database': '${work-db}', 'table-name': '${layer}', 'target-database': '${target-db}' },
      },
      {
        name: 'publish-remotely',
        type: 'RemoteDbPublication',
        parameters: { 'external-geoserver': '${target-maps}', layer: '${layer}', database: '${target-db}' },
      },
      {
        name: 'sync-metadata',
        type: 'MetadataSync',
        parameters: { 'external-geoserver': '${target-maps}', layer: '${layer}' },
      },
    ],
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  const id = (name: string) => template.body.tasks.find((t) => t.name === name)!.id;
  const batches: Array<[string, string[], unknown]> = [
    ['@Initialize', ['copy-to-work', 'publish-locally'], undefined],
    ['PublishRemotely', ['describe', 'copy-to-target', 'publish-remotely'], undefined],
    [
      'Synchronize',
      ['copy-to-work', 'describe', 'copy-to-target', 'sync-metadata'],
      { schedule: { kind: 'weekly', day: 'SUN', time: '03:00' }, timeZone: 'Europe/Brussels' },
    ],
  ];
  for (const [name, tasks, schedule] of batches) {
    const batch = await admin.request('POST', '/api/v1/batches', {
      workspace: 'gis',
      configuration: template.body.id,
      name,
      tasks: tasks.map(id),
      ...(schedule as object | undefined),
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
  }
  return template.body;
}

async function batchNamed(configurationId: string, name: string): Promise<Batch> {
  const list = await admin.request<{ items: Batch[] }>(
    'GET',
    `/api/v1/batches?workspace=gis&configuration=${configurationId}`,
  );
  const batch = list.body.items.find((b) => b.name === name);
  assert.ok(batch, `batch ${name}: ${JSON.stringify(list.body)}`);
  return batch;
}

test("the guide's example: copy and publish locally, publish remotely, then a weekly synchronisation", async () => {
  const template = await createTemplate();

  // 1. A new configuration from the template: choosing the source and the layer starts @Initialize.
  const created = await admin.request<Configuration & { initializeRunId?: string }>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'roads',
    from: template.id,
    attributes: { 'source-db': 'partner', 'source-table': 'roads', layer: 'roads' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.ok(created.body.initializeRunId, '@Initialize started on first save');
  const initialized = await waitForRun(created.body.initializeRunId);
  assert.equal(initialized.status, 'committed', JSON.stringify(initialized));
  assert.equal(await count(work), 40, 'the table reached the work database');
  assert.deepEqual(await listed('work-maps'), ['roads: roads'], 'published on the work (local) map server');
  assert.ok((await drawnPixels('work-maps', 'roads')) > 0, 'the work map server draws it');
  assert.equal(existsSync(mapServers['public-maps']!.mapfile), false, 'nothing public yet');

  // 2. The rest of the details, then the remote publication.
  const completed = await admin.request<Configuration>('PATCH', `/api/v1/configurations/${created.body.id}`, {
    attributes: {
      'work-db': 'work',
      'source-db': 'partner',
      'source-table': 'roads',
      layer: 'roads',
      title: 'Roads of the region',
      'target-db': 'public',
      'target-maps': 'public-maps',
    },
  });
  assert.equal(completed.status, 200, JSON.stringify(completed.body));
  assert.equal(completed.body.validated, true, JSON.stringify(completed.body.problems));
  const published = await runBatch(admin, (await batchNamed(created.body.id, 'PublishRemotely')).id);
  assert.equal(published.status, 'committed', JSON.stringify(published));
  assert.equal(await count(publicDb), 40, 'the table reached the public database');
  assert.deepEqual(await listed('public-maps'), ['roads: Roads of the region'], 'with the local layer metadata');
  assert.ok((await drawnPixels('public-maps', 'roads')) > 0, 'the public map server draws it');
  const include = await readFile(
    path.join(path.dirname(mapServers['public-maps']!.mapfile), 'geosync-layers', 'roads.map'),
    'utf8',
  );
  assert.match(include, new RegExp(`dbname='?${publicDb.name}`), 'the public layer reads the public database');
  assert.doesNotMatch(include, new RegExp(work.name), 'not the work database');

  // 3. The weekly synchronisation: batches copied from a template start disabled; once enabled,
  // it fires on Sundays at 03:00 Brussels time.
  const copied = await batchNamed(created.body.id, 'Synchronize');
  assert.equal(copied.enabled, false);
  const enabled = await admin.request<Batch>('PATCH', `/api/v1/batches/${copied.id}`, { enabled: true });
  assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
  const synchronize = enabled.body;
  assert.equal(synchronize.nextFires.length > 1, true, JSON.stringify(synchronize));
  const [first, second] = synchronize.nextFires.map((t) => new Date(t));
  assert.equal(second!.getTime() - first!.getTime(), 7 * 24 * 3600 * 1000, 'one week apart');
  assert.equal(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Brussels',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(first),
    'Sun 03:00',
  );
  const due = await claimDueFires(server.ctx.db, first!, server.ctx.logger);
  assert.ok(
    due.some((fire) => fire.batchId === synchronize.id),
    'the scheduler fires it at its time',
  );

  // New partner data and a new title: one Synchronize run carries both to the public side.
  await addRoads(41, 55);
  await admin.request('PATCH', `/api/v1/configurations/${created.body.id}`, {
    attributes: {
      ...completed.body.attributes.reduce((all, a) => ({ ...all, [a.name]: a.value }), {}),
      title: 'Roads (weekly)',
    },
  });
  const synced = await runBatch(admin, synchronize.id);
  assert.equal(synced.status, 'committed', JSON.stringify(synced));
  assert.equal(await count(work), 55);
  assert.equal(await count(publicDb), 55);
  assert.deepEqual(await listed('work-maps'), ['roads: Roads (weekly)']);
  assert.deepEqual(await listed('public-maps'), ['roads: Roads (weekly)']);
  assert.ok((await drawnPixels('public-maps', 'roads')) > 0);
});
