/**
 * RemoteDbPublication through the REST API and the engine: a layer of the local map server (the
 * built-in one, then a real MapServer) published on a real MapServer and on the GeoServer test
 * double, reading another PostGIS database than the local layer's; metadata and style copied;
 * a remote that already has the layer; a table copied in the same run; bad input and an
 * unreachable remote refused before anything is staged. The ledger never holds a password.
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
import { FAKE_GEOSERVER_ADMIN, type FakeGeoServer, startFakeGeoServer } from '../helpers/fake-geoserver.ts';
import { ApiClient } from '../helpers/http.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const PASSWORD = 'pg-secret-never-in-the-ledger-93c1';
const SLD =
  '<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld"><NamedLayer><Name>roads</Name>' +
  '<UserStyle><FeatureTypeStyle><Rule><LineSymbolizer><Stroke><CssParameter name="stroke">#c83232</CssParameter>' +
  '</Stroke></LineSymbolizer></Rule></FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>';

let server: TestServer;
let admin: ApiClient;
let pub: TestDatabase;
let fake: FakeGeoServer;
let dir: string;
const serviceConfigs: Record<string, string> = {};

async function onDb<T extends pg.QueryResultRow>(db: TestDatabase, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const ROADS_SQL = `
  CREATE TABLE roads (id int PRIMARY KEY, name text, geom geometry(LineString, 4326));
  INSERT INTO roads SELECT i, 'road ' || i,
    ST_SetSRID(ST_MakeLine(ST_MakePoint(4 + i * 0.1, 50), ST_MakePoint(6, 52 - i * 0.1)), 4326)
    FROM generate_series(1, 12) AS i;`;

async function connect(api: ApiClient, name: string, type: string, config: Record<string, unknown>): Promise<void> {
  const created = await api.request('POST', '/api/v1/connections', { name, type, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

function postgisConfig(db: TestDatabase, extra: Record<string, unknown> = {}) {
  const u = new URL(db.url);
  const base = { host: u.hostname, port: Number(u.port), database: db.name, user: u.username, sslMode: 'disable' };
  return { ...base, password: PASSWORD, ...extra };
}

async function mapServer(api: ApiClient, name: string): Promise<void> {
  const folder = path.join(dir, name);
  await mkdir(folder, { recursive: true });
  const mapfile = path.join(folder, 'geosync.map');
  serviceConfigs[name] = await writeServiceConfig(folder, mapfile);
  await connect(api, name, 'mapserver', { mapfile, url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC' });
}

/** Layer name: title, as MapServer `name` lists them in GetCapabilities. */
async function listed(name: string): Promise<string[]> {
  const answer = await mapserv(serviceConfigs[name]!, 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
  const text = answer.body.toString('utf8');
  assert.match(text, /<WMS_Capabilities/, text.slice(0, 500));
  return [...text.matchAll(/<Layer[^>]*>\s*<Name>([^<]*)<\/Name>\s*<Title>([^<]*)<\/Title>/g)]
    .slice(1)
    .map((m) => `${m[1]}: ${m[2]}`);
}

async function drawnPixels(name: string, layer: string): Promise<number> {
  const answer = await mapserv(
    serviceConfigs[name]!,
    `SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=${layer}&STYLES=&CRS=EPSG:4326&BBOX=49,3,53,7&WIDTH=256&HEIGHT=256&FORMAT=image/png`,
  );
  assert.equal(answer.contentType, 'image/png', answer.body.toString('utf8', 0, 300));
  return pixelsUnlikeCorner(answer.body);
}

const includeOf = (name: string, layer: string) =>
  readFile(path.join(dir, name, 'geosync-layers', `${layer}.map`), 'utf8');
const includes = async (name: string) => (await readdir(path.join(dir, name, 'geosync-layers'))).sort();
/** The layer definition MapServer's include records (what getLayer reads back). */
const definitionOf = async (name: string, layer: string) =>
  JSON.parse(/^# geosync-layer (.*)$/m.exec(await includeOf(name, layer))![1]!) as Record<string, unknown>;

/**
 * Everything the GeoServer double holds, to compare before and after a rollback, workspaces
 * included: a rollback removes the workspace its first publication created.
 */
const geoserverState = () =>
  JSON.stringify({
    workspaces: [...fake.state.workspaces.keys()],
    stores: fake.state.stores,
    resources: fake.state.resources,
    styles: fake.state.styles,
    acl: [...fake.state.acl],
    tiles: [...fake.state.tileLayers],
  });

async function ledgerOf(geosync: TestServer, runId: string): Promise<string[]> {
  const { rows } = await sql<{ data: string }>`
    SELECT s.data::text AS data FROM staged_objects s JOIN task_runs t ON t.id = s.task_run_id
     WHERE t.batch_run_id = ${runId} ORDER BY s.created_at`.execute(geosync.ctx.db);
  return rows.map((r) => r.data);
}

const run = async (name: string, tasks: unknown[], api = admin): Promise<Run> =>
  runBatch(api, await batchOf(api, 'gis', name, tasks));

const remote = (target: string, extra: Record<string, string> = {}) => ({
  name: `remote-${target}`,
  type: 'RemoteDbPublication',
  parameters: { 'external-geoserver': target, workspace: 'topo', layer: 'roads', database: 'pub', ...extra },
});

/** A task that fails after the publication ran, so the run rolls back. */
const failing = {
  name: 'fail',
  type: 'CreateView',
  parameters: { database: 'pub', 'view-name': 'v_fail', 'table-name': 'roads', 'select-clause': 'no_such_column' },
};

const setLocalLook = (title: string, style: string) =>
  sql`UPDATE published_layers SET metadata = ${JSON.stringify({ title, abstract: 'All roads.', keywords: ['transport', 'roads'] })}::jsonb,
        style = ${style} WHERE workspace = 'topo' AND name = 'roads'`.execute(server.ctx.db);

before(async () => {
  pub = await createTestDatabase('dbpubremote');
  await onDb(pub, ROADS_SQL);
  fake = await startFakeGeoServer();
  dir = makeTempDir('geosync-remote-pub-');
  server = await startTestServer({ engine: true, postgis: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  // The public database, which GeoServer reaches under another name (a replica behind another host).
  await connect(
    admin,
    'pub',
    'postgis',
    postgisConfig(pub, { publishAs: { gs: { host: 'pg.internal', port: 6543, database: 'replica' } } }),
  );
  await mapServer(admin, 'maps');
  await connect(admin, 'gs', 'geoserver', { url: fake.url, ...FAKE_GEOSERVER_ADMIN });
  await connect(admin, 'gs-down', 'geoserver', { url: 'http://127.0.0.1:1/geoserver', ...FAKE_GEOSERVER_ADMIN });
  // The local layer: a table of geosync's own store on the built-in map server.
  await sql.raw(ROADS_SQL).execute(server.ctx.db);
  const local = await run('local', [
    {
      name: 'publish',
      type: 'LocalDbPublication',
      parameters: { database: 'local', 'table-name': 'roads', workspace: 'topo', layer: 'roads' },
    },
  ]);
  assert.equal(local.status, 'committed', JSON.stringify(local));
  await setLocalLook('Roads of the region', SLD);
});

after(async () => {
  await server?.close();
  await fake?.close();
  await pub?.drop();
});

test('from the built-in map server to MapServer: the target database, the local metadata and style', async () => {
  const committed = await run('to-mapserver', [remote('maps')]);
  assert.equal(committed.status, 'committed', JSON.stringify(committed));
  assert.deepEqual(await listed('maps'), ['topo_roads: Roads of the region']);
  assert.ok((await drawnPixels('maps', 'topo_roads')) > 100, 'the map is blank');
  assert.match(await includeOf('maps', 'topo_roads'), new RegExp(`dbname='?${pub.name}`));
  const definition = await definitionOf('maps', 'topo_roads');
  assert.equal(definition.style, SLD);
  assert.deepEqual(definition.metadata, {
    title: 'Roads of the region',
    abstract: 'All roads.',
    keywords: ['transport', 'roads'],
  });
  const ledger = await ledgerOf(server, committed.id);
  assert.equal(ledger.length, 1);
  assert.match(ledger[0]!, /"database": ?"pub"/);
  assert.doesNotMatch(ledger[0]!, new RegExp(PASSWORD));
});

test('to the GeoServer test double: the publishAs view of the database, metadata and SLD style', async () => {
  const committed = await run('to-geoserver', [remote('gs')]);
  assert.equal(committed.status, 'committed', JSON.stringify(committed));
  const layer = fake.state.layer('topo', 'roads');
  assert.ok(layer, 'topo:roads is on GeoServer');
  assert.equal(layer.nativeName, 'roads');
  assert.equal(layer.title, 'Roads of the region');
  assert.equal(layer.abstract, 'All roads.');
  assert.deepEqual(layer.keywords, ['transport', 'roads']);
  assert.equal(layer.advertised, true);
  const store = fake.state.stores.find((s) => s.workspace === 'topo' && s.name === layer.store);
  assert.ok(store);
  assert.deepEqual(
    [store.params.host, store.params.port, store.params.database, store.params.schema, store.params.passwd],
    ['pg.internal', '6543', 'replica', 'public', PASSWORD],
    'the target database as GeoServer sees it, with its password',
  );
  const style = fake.state.styles.find((s) => s.name === layer.layer?.defaultStyle.name);
  assert.match(style?.body ?? '', /LineSymbolizer/);
  assert.equal(fake.state.resources.filter((r) => r.name.startsWith('_temp_')).length, 0);
  for (const data of await ledgerOf(server, committed.id)) assert.doesNotMatch(data, new RegExp(PASSWORD));
});

test('a remote that has the layer: a rollback leaves it untouched, a commit replaces it', async () => {
  await setLocalLook('Roads, second edition', SLD.replace('#c83232', '#3232c8'));
  // A read rule on the remote layer: the commit's removal of the old layer takes it, and puts it back.
  fake.state.acl.set('topo.roads.r', 'ROLE_GIS');
  const geoserverBefore = geoserverState();
  const mapserverBefore = await includeOf('maps', 'topo_roads');
  const failed = await run('replace-fails', [remote('gs'), remote('maps'), failing]);
  assert.equal(failed.status, 'failed', JSON.stringify(failed));
  assert.equal(geoserverState(), geoserverBefore, 'GeoServer is exactly as before');
  assert.equal(await includeOf('maps', 'topo_roads'), mapserverBefore, 'MapServer is exactly as before');
  assert.deepEqual(await includes('maps'), ['topo_roads.map']);

  const committed = await run('replace', [remote('gs'), remote('maps')]);
  assert.equal(committed.status, 'committed', JSON.stringify(committed));
  assert.equal(fake.state.layer('topo', 'roads')?.title, 'Roads, second edition');
  assert.equal(fake.state.resources.filter((r) => r.workspace === 'topo').length, 1);
  assert.equal(fake.state.acl.get('topo.roads.r'), 'ROLE_GIS', 'the replaced layer’s read roles are kept');
  const style = fake.state.styles.find((s) => s.name === fake.state.layer('topo', 'roads')?.layer?.defaultStyle.name);
  assert.match(style?.body ?? '', /#3232c8/);
  assert.deepEqual(await listed('maps'), ['topo_roads: Roads, second edition']);
  assert.deepEqual(await includes('maps'), ['topo_roads.map']);
});

test('a table copied into the target database in the same run is published from the copy', async () => {
  await sql`INSERT INTO roads VALUES (100, 'new road', ST_GeomFromText('LINESTRING(4 49.5, 6.5 52.5)', 4326))`.execute(
    server.ctx.db,
  );
  const committed = await run('copy-and-publish', [
    {
      name: 'copy',
      type: 'CopyTable',
      parameters: { 'source-database': 'local', 'table-name': 'roads', 'target-database': 'pub' },
    },
    remote('maps'),
  ]);
  assert.equal(committed.status, 'committed', JSON.stringify(committed));
  assert.equal((await onDb<{ n: number }>(pub, 'SELECT count(*)::int AS n FROM roads'))[0]?.n, 13);
  assert.deepEqual(await onDb(pub, `SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%'`), []);
  assert.doesNotMatch(await includeOf('maps', 'topo_roads'), /_temp_/);
  assert.ok((await drawnPixels('maps', 'topo_roads')) > 100, 'the map is blank');
  for (const data of await ledgerOf(server, committed.id)) assert.doesNotMatch(data, new RegExp(PASSWORD));
});

test('bad input and an unreachable remote are refused before anything is staged', async () => {
  await sql`INSERT INTO published_layers (map_server, workspace, name, source)
              SELECT map_server, 'topo', 'dem', '{"kind":"geotiff","path":"/data/dem.tif"}'::jsonb
                FROM published_layers WHERE name = 'roads'`.execute(server.ctx.db);
  const geoserverBefore = geoserverState();
  const mapserverBefore = await includeOf('maps', 'topo_roads');
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['unknown-layer', { layer: 'nope' }, /Map server 'local' has no layer 'topo:nope'/],
    ['missing-table', { 'table-name': 'nope' }, /'nope' does not exist in database 'pub'/],
    ['local-as-remote', { 'external-geoserver': 'local' }, /'local' is the local map server.*use LocalDbPublication/],
    ['raster', { layer: 'dem' }, /served from a geotiff source, not a database table/],
    ['unreachable', { 'external-geoserver': 'gs-down' }, /Cannot reach GeoServer at 127\.0\.0\.1:1/],
  ];
  for (const [name, parameters, message] of cases) {
    const failed = await run(name, [{ ...remote('gs'), parameters: { ...remote('gs').parameters, ...parameters } }]);
    assert.equal(failed.status, 'failed', `${name}: ${JSON.stringify(failed)}`);
    assert.match(failed.tasks[0]?.message ?? '', message, name);
    assert.deepEqual(await ledgerOf(server, failed.id), [], `${name}: nothing staged`);
  }
  assert.equal(geoserverState(), geoserverBefore);
  assert.equal(await includeOf('maps', 'topo_roads'), mapserverBefore);
});

test('from a MapServer as the local map server, with the local layer published in the same run', async () => {
  const work = await startTestServer({ engine: true, settings: { publication: { localMapServer: 'work-maps' } } });
  try {
    const api = new ApiClient(work.url);
    await api.login('admin', work.adminPassword);
    await api.request('POST', '/api/v1/workspaces', { name: 'gis' });
    await connect(api, 'pub', 'postgis', postgisConfig(pub, { publishAs: { gs: { database: 'replica' } } }));
    await mapServer(api, 'work-maps');
    await connect(api, 'gs', 'geoserver', { url: fake.url, ...FAKE_GEOSERVER_ADMIN });
    const tasks = [
      {
        name: 'local',
        type: 'LocalDbPublication',
        parameters: { database: 'pub', 'table-name': 'roads', workspace: 'work', layer: 'streets' },
      },
      { name: 'title', type: 'MetadataSync', parameters: { workspace: 'work', layer: 'streets', title: 'Streets' } },
      {
        name: 'copy',
        type: 'CopyTable',
        parameters: {
          'source-database': 'pub',
          'table-name': 'roads',
          'target-database': 'pub',
          'target-table-name': 'streets',
        },
      },
      {
        name: 'remote',
        type: 'RemoteDbPublication',
        parameters: {
          'external-geoserver': 'gs',
          workspace: 'work',
          layer: 'streets',
          database: 'pub',
          'table-name': 'streets',
        },
      },
    ];
    const geoserverBefore = geoserverState();
    assert.ok(!fake.state.workspaces.has('work'), 'the first publication creates the workspace');
    const failed = await run('work-fails', [...tasks, failing], api);
    assert.equal(failed.status, 'failed', JSON.stringify(failed));
    assert.equal(geoserverState(), geoserverBefore, 'the workspace the run created is gone');
    assert.deepEqual(await listed('work-maps'), []);

    const committed = await run('work', tasks, api);
    assert.equal(committed.status, 'committed', JSON.stringify(committed));
    assert.deepEqual(await listed('work-maps'), ['work_streets: Streets']);
    const layer = fake.state.layer('work', 'streets');
    assert.equal(layer?.title, 'Streets', 'the metadata of the local layer being published');
    assert.equal(layer?.nativeName, 'streets');
    const store = fake.state.stores.find((s) => s.workspace === 'work' && s.name === layer?.store);
    assert.equal(store?.params.database, 'replica');
    assert.deepEqual(await onDb(pub, `SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%'`), []);
    for (const data of await ledgerOf(work, committed.id)) assert.doesNotMatch(data, new RegExp(PASSWORD));
  } finally {
    await work.close();
  }
});

test('removing a configuration with clean-up removes the remote layer', async () => {
  const list = await admin.request<{ items: Array<{ id: string; name: string }> }>(
    'GET',
    '/api/v1/configurations?workspace=gis&limit=100',
  );
  for (const [name, task] of [
    ['to-geoserver', 'remote-gs'],
    ['to-mapserver', 'remote-maps'],
  ] as const) {
    const configuration = list.body.items.find((c) => c.name === name);
    assert.ok(configuration, `${name}: ${JSON.stringify(list.body)}`);
    const removed = await admin.request<{ cleaned: string[] }>(
      'DELETE',
      `/api/v1/configurations/${configuration.id}?cleanup=true`,
    );
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(removed.body.cleaned, [task]);
  }
  assert.equal(fake.state.layer('topo', 'roads'), undefined);
  assert.deepEqual(await includes('maps'), []);
  assert.deepEqual(await listed('maps'), []);
});
