/**
 * The read-only layers API (the web UI's Layers page) over real HTTP: the built-in publisher on a
 * PostgreSQL + PostGIS store (layers with and without workspace, unadvertised, with the OGC API
 * preview addresses and extent), and the GeoServer TEST DOUBLE as a role-restricted map server
 * whose PostGIS layer must come back without any password.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { isPublisher, type LayerDefinition } from '../../src/connectors/publisher.ts';
import type { LayerDetail, LayerList, LayerTarget } from '../../src/contracts/layers.dto.ts';
import { FAKE_GEOSERVER_ADMIN, type FakeGeoServer, startFakeGeoServer } from '../helpers/fake-geoserver.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { layerParamsSchema } from '../../src/contracts/layers.dto.ts';

const DB_PASSWORD = 'warehouse-pw-3f9c1d';
const DOWN_PASSWORD = 'down-gs-pw-8a7b';
let server: TestServer;
let fake: FakeGeoServer;
const clients = { admin: new ApiClient(''), member: new ApiClient(''), plain: new ApiClient('') };
const signal = () => AbortSignal.timeout(20_000);

function embeddedLayer(name: string, extra: Partial<LayerDefinition> = {}): LayerDefinition {
  return {
    name,
    source: { kind: 'embedded', schema: 'public', table: 'places' },
    metadata: { title: `Title of ${name}`, keywords: ['test'] },
    advertised: true,
    ...extra,
  };
}

async function publisherOf(name: string) {
  const connection = await server.ctx.connections.resolve(CLI_PRINCIPAL, name, 'map_server');
  const { connector } = await server.ctx.connections.open(CLI_PRINCIPAL, connection.id);
  assert.ok(isPublisher(connector));
  return connector;
}

before(async () => {
  server = await startTestServer();
  fake = await startFakeGeoServer();
  const { ctx } = server;
  await sql`CREATE TABLE places (id integer PRIMARY KEY, name text, geom geometry(Point, 4326))`.execute(ctx.db);
  await sql`INSERT INTO places VALUES (1, 'a', ST_SetSRID(ST_MakePoint(4, 50), 4326)),
    (2, 'b', ST_SetSRID(ST_MakePoint(6, 52), 4326))`.execute(ctx.db);
  const local = await publisherOf('local');
  await local.publishLayer(embeddedLayer('places'), signal());
  await local.publishLayer(embeddedLayer('hidden', { advertised: false }), signal());
  await local.publishLayer(embeddedLayer('towns', { workspace: 'topo' }), signal());
  await local.setReadRoles!({ name: 'places' }, ['gis-team'], signal());
  await local.close();

  await ctx.roles.create('gis-team', '');
  await ctx.connections.create({
    name: 'gs',
    type: 'geoserver',
    description: '',
    config: { url: fake.url, ...FAKE_GEOSERVER_ADMIN },
    roles: ['gis-team'],
  });
  // A GeoServer nobody answers for: its check is an answer with the error, never its password.
  await ctx.connections.create({
    name: 'down',
    type: 'geoserver',
    description: '',
    config: { url: 'http://127.0.0.1:9/geoserver', username: 'admin', password: DOWN_PASSWORD },
    roles: null,
  });
  const gs = await publisherOf('gs');
  await gs.publishLayer(
    {
      workspace: 'topo',
      name: 'roads',
      source: {
        kind: 'postgis',
        host: 'db.internal',
        port: 5432,
        database: 'gis',
        user: 'gs',
        password: DB_PASSWORD,
        schema: 'public',
        table: 'roads',
      },
      metadata: { title: 'Roads' },
      advertised: true,
    },
    signal(),
  );
  await gs.close();

  for (const [name, roles] of [
    ['member', ['gis-team']],
    ['plain', []],
  ] as const) {
    await ctx.users.create({
      username: name,
      password: 'password-123',
      displayName: '',
      email: null,
      roles: [...roles],
    });
  }
  for (const [name, client] of Object.entries(clients)) {
    const fresh = new ApiClient(server.url);
    const login = await fresh.login(name, name === 'admin' ? server.adminPassword : 'password-123');
    assert.equal(login.status, 200);
    clients[name as keyof typeof clients] = fresh;
    void client;
  }
});

after(async () => {
  await server?.close();
  await fake?.close();
});

test('the local map server lists its layers, unadvertised ones included, with title and read roles', async () => {
  const list = await clients.admin.request<LayerList>('GET', '/api/v1/layers');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body.mapServer, { name: 'local', type: 'builtin-publisher', local: true });
  const byName = Object.fromEntries(list.body.items.map((l) => [`${l.workspace ?? ''}:${l.name}`, l]));
  assert.deepEqual(Object.keys(byName).sort(), [':hidden', ':places', 'topo:towns']);
  assert.deepEqual(byName[':places'], {
    name: 'places',
    title: 'Title of places',
    advertised: true,
    readRoles: ['gis-team'],
  });
  assert.equal(byName[':hidden']!.advertised, false);
  assert.equal(byName['topo:towns']!.readRoles, null);

  const paged = await clients.admin.request<LayerList>('GET', '/api/v1/map-servers/local/layers?limit=1&offset=1');
  assert.equal(paged.body.total, 3);
  assert.equal(paged.body.items.length, 1);
  const topo = await clients.admin.request<LayerList>('GET', '/api/v1/map-servers/local/layers?workspace=topo');
  assert.deepEqual(
    topo.body.items.map((l) => l.name),
    ['towns'],
  );
});

test('a built-in layer comes with its metadata, source and working vector tile addresses', async () => {
  const detail = await clients.admin.request<LayerDetail>('GET', '/api/v1/map-servers/local/layers/topo/towns');
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.deepEqual(detail.body.source, { kind: 'embedded', schema: 'public', table: 'places' });
  assert.deepEqual(detail.body.metadata, { title: 'Title of towns', keywords: ['test'] });
  const preview = detail.body.preview;
  assert.ok(preview.available, JSON.stringify(preview));
  assert.equal(preview.collectionId, 'topo:towns');
  assert.equal(preview.tileLayer, 'towns');
  assert.deepEqual(
    preview.bbox?.map((n) => Math.round(n)),
    [4, 50, 6, 52],
  );
  const tile = await fetch(server.url + preview.tiles.replace('{z}/{x}/{y}', '0/0/0'));
  assert.equal(tile.status, 200);
  assert.ok((await tile.arrayBuffer()).byteLength > 0);
  const items = await fetch(server.url + preview.items);
  assert.equal(((await items.json()) as { numberMatched: number }).numberMatched, 2);
});

test('a layer the caller cannot read over OGC API has no preview, with the reason', async () => {
  const hidden = await clients.plain.request<LayerDetail>('GET', '/api/v1/map-servers/local/layers/hidden');
  assert.equal(hidden.status, 200);
  assert.equal(hidden.body.preview.available, false);
  assert.match(JSON.stringify(hidden.body.preview), /unadvertised or limited/);
  const restricted = await clients.member.request<LayerDetail>('GET', '/api/v1/map-servers/local/layers/places');
  assert.equal(restricted.body.preview.available, true, 'a member of the read role sees the map');
});

test('a GeoServer (test double) PostGIS layer comes back without any password', async () => {
  const detail = await clients.member.request<LayerDetail>('GET', '/api/v1/map-servers/gs/layers/topo/roads');
  assert.equal(detail.status, 200, JSON.stringify(detail.body));
  assert.deepEqual(detail.body.source, {
    kind: 'postgis',
    host: 'db.internal',
    port: 5432,
    database: 'gis',
    user: 'gs',
    schema: 'public',
    table: 'roads',
  });
  assert.deepEqual(detail.body.mapServer, { name: 'gs', type: 'geoserver', local: false });
  assert.equal(detail.body.preview.available, false);
  const text = JSON.stringify(detail.body);
  assert.ok(!text.includes(DB_PASSWORD) && !text.includes(FAKE_GEOSERVER_ADMIN.password), text);
  assert.ok(!/passw/i.test(text), text);
  const list = await clients.member.request<LayerList>('GET', '/api/v1/map-servers/gs/layers');
  assert.deepEqual(
    list.body.items.map((l) => `${l.workspace}:${l.name}`),
    ['topo:roads'],
  );
  assert.ok(!JSON.stringify(list.body).includes(DB_PASSWORD));
});

test('publication targets: which other map servers the caller may use also have the layer', async () => {
  const targets = async (client: ApiClient, query: string) => {
    const answer = await client.request<{ items: LayerTarget[] }>('GET', `/api/v1/layers/targets?${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.ok(!JSON.stringify(answer.body).includes(DOWN_PASSWORD));
    return Object.fromEntries(answer.body.items.map((t) => [t.mapServer.name, t]));
  };
  const roads = await targets(clients.member, 'workspace=topo&layer=roads');
  assert.deepEqual(Object.keys(roads).sort(), ['down', 'gs'], 'the local map server itself is no target');
  assert.deepEqual(roads.gs, {
    mapServer: { name: 'gs', type: 'geoserver', local: false },
    published: true,
    advertised: true,
  });
  assert.equal(roads.down!.published, null);
  assert.ok(roads.down!.error, 'an unreachable server says why');
  assert.equal((await targets(clients.member, 'workspace=topo&layer=towns')).gs!.published, false);
  assert.deepEqual(Object.keys(await targets(clients.plain, 'workspace=topo&layer=roads')), ['down']);
  const missing = await clients.member.request<{ code: string }>('GET', '/api/v1/layers/targets?workspace=topo');
  assert.equal(missing.status, 400);
  assert.equal(missing.body.code, 'invalid_input');
});

test('bad input: unknown map server or layer, a map server the caller may not use, bad paging', async () => {
  const expectProblem = async (client: ApiClient, path: string, status: number, code: string) => {
    const answer = await client.request<{ code: string; detail: string }>('GET', path);
    assert.equal(answer.status, status, `${path}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.code, code, path);
    return answer.body.detail;
  };
  const detail = await expectProblem(clients.admin, '/api/v1/map-servers/nope/layers', 404, 'not_found');
  assert.match(detail, /nope/);
  assert.match(
    await expectProblem(clients.admin, '/api/v1/map-servers/local/layers/topo/nope', 404, 'layer_not_found'),
    /no layer 'topo:nope'/,
  );
  await expectProblem(clients.admin, '/api/v1/map-servers/gs/layers/topo/nope', 404, 'layer_not_found');
  // A user without the connection's role: the map server does not exist for them.
  await expectProblem(clients.plain, '/api/v1/map-servers/gs/layers', 404, 'not_found');
  await expectProblem(clients.plain, '/api/v1/map-servers/gs/layers/topo/roads', 404, 'not_found');
  await expectProblem(clients.admin, '/api/v1/layers?limit=0', 400, 'invalid_input');
  // Names become path segments of a map server's REST URL: `..`, slashes and spaces are refused.
  // (`..` itself never reaches the server: URLs are normalized first; the schema refuses it anyway.)
  assert.equal(layerParamsSchema.safeParse({ name: 'gs', layer: '..' }).success, false);
  for (const name of ['a%2Fb', 'a%20b', 'a%3Ab', '%2E']) {
    await expectProblem(clients.admin, `/api/v1/map-servers/gs/layers/${name}`, 400, 'invalid_input');
    await expectProblem(clients.admin, `/api/v1/map-servers/gs/layers/topo/${name}`, 400, 'invalid_input');
  }
  await expectProblem(clients.admin, '/api/v1/layers?color=red', 400, 'invalid_input');
  const anonymous = await fetch(`${server.url}/api/v1/layers`);
  assert.equal(anonymous.status, 401);
});
