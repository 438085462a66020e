import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

interface Conn {
  id: string;
  name: string;
  kind: string;
  type: string;
  builtin: boolean;
  config: Record<string, unknown>;
  secrets: Record<string, boolean>;
  roles: string[] | null;
}

let server: TestServer;
let admin: ApiClient;
const SECRET = 'Sup3r-Secret-Value-42';

before(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
});
after(async () => {
  await server?.close();
});

test('the built-in local database, file service and map server exist and test ok', async () => {
  const list = await admin.request<{ items: Conn[]; total: number }>('GET', '/api/v1/connections');
  const builtins = list.body.items.filter((c) => c.builtin).map((c) => `${c.kind}:${c.name}:${c.type}`);
  assert.deepEqual(builtins.sort(), [
    'database:local:embedded-postgis',
    'file_service:local:local-files',
    'map_server:local:builtin-publisher',
  ]);
  for (const c of list.body.items.filter((x) => x.builtin)) {
    const result = await admin.request<{ ok: boolean; message: string }>('POST', `/api/v1/connections/${c.id}/test`);
    assert.equal(result.status, 200);
    assert.equal(result.body.ok, true, `${c.kind} local: ${result.body.message}`);
  }
  const local = list.body.items.find((c) => c.builtin)!;
  const refused = await admin.request<{ code: string }>('DELETE', `/api/v1/connections/${local.id}`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, 'builtin_connection');
});

test('add, change, test and remove a local-files connection', async () => {
  const root = makeTempDir('gs-conn-');
  const created = await admin.request<Conn>('POST', '/api/v1/connections', {
    name: 'exports',
    type: 'local-files',
    description: 'Exports',
    config: { root },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.kind, 'file_service');
  const duplicate = await admin.request<{ code: string }>('POST', '/api/v1/connections', {
    name: 'exports',
    type: 'local-files',
    config: { root },
  });
  assert.equal(duplicate.status, 409);
  const changed = await admin.request<Conn>('PATCH', `/api/v1/connections/${created.body.id}`, {
    description: 'Nightly exports',
    roles: [],
  });
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body.roles, []);
  assert.equal(changed.body.config.root, root);
  const tested = await admin.request<{ ok: boolean }>('POST', `/api/v1/connections/${created.body.id}/test`);
  assert.equal(tested.body.ok, true);
  assert.equal((await admin.request('DELETE', `/api/v1/connections/${created.body.id}`)).status, 204);
  assert.equal((await admin.request('GET', `/api/v1/connections/${created.body.id}`)).status, 404);
});

test('secret settings are stored sealed, never returned, kept when left out, cleared with null', async () => {
  const created = await admin.request<Conn>('POST', '/api/v1/connections', {
    name: 'central',
    type: 'postgis',
    config: { host: '127.0.0.1', port: 1, database: 'gis', user: 'gis', password: SECRET },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.secrets, { password: true });
  assert.ok(!JSON.stringify(created.body).includes(SECRET));
  const row = await server.ctx.db
    .selectFrom('connections')
    .selectAll()
    .where('id', '=', created.body.id)
    .executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(row).includes(SECRET), 'not in the database in clear');
  const kept = await admin.request<Conn>('PATCH', `/api/v1/connections/${created.body.id}`, {
    config: { host: 'localhost', port: 1, database: 'gis', user: 'gis' },
  });
  assert.deepEqual(kept.body.secrets, { password: true });
  const test1 = await admin.request<{ ok: boolean; message: string }>(
    'POST',
    `/api/v1/connections/${created.body.id}/test`,
  );
  assert.equal(test1.body.ok, false);
  assert.ok(!test1.body.message.includes(SECRET));
  const cleared = await admin.request<Conn>('PATCH', `/api/v1/connections/${created.body.id}`, {
    config: { host: 'localhost', port: 1, database: 'gis', user: 'gis', password: null },
  });
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
  assert.deepEqual(cleared.body.secrets, { password: false });
  for (const response of [created, kept, test1, cleared]) assert.ok(!JSON.stringify(response.body).includes(SECRET));
  assert.ok(!server.logs.join('').includes(SECRET), 'no log line holds the secret');
});

test('connection roles: null = everyone, [] = admins only, else the listed roles', async () => {
  await admin.request('POST', '/api/v1/roles', { name: 'editors' });
  await admin.request('POST', '/api/v1/users', { username: 'ed', password: 'editor-pass-1', roles: ['editors'] });
  await admin.request('POST', '/api/v1/users', { username: 'viewer', password: 'viewer-pass-1' });
  const root = makeTempDir('gs-roles-');
  for (const [name, roles] of [
    ['open', null],
    ['admins-only', []],
    ['editors-only', ['editors']],
  ] as const) {
    assert.equal(
      (await admin.request('POST', '/api/v1/connections', { name, type: 'local-files', config: { root }, roles }))
        .status,
      201,
    );
  }
  const visible = async (user: string, password: string) => {
    const client = new ApiClient(server.url);
    await client.login(user, password);
    const list = await client.request<{ items: Conn[] }>('GET', '/api/v1/connections?kind=file_service');
    return list.body.items
      .map((c) => c.name)
      .filter((n) => n !== 'local')
      .sort();
  };
  assert.deepEqual(await visible('ed', 'editor-pass-1'), ['editors-only', 'open']);
  assert.deepEqual(await visible('viewer', 'viewer-pass-1'), ['open']);
});

test('connection types list the creatable types with their settings schema', async () => {
  const types = await admin.request<{
    items: { type: string; configSchema: { properties: Record<string, { writeOnly?: boolean }> } }[];
  }>('GET', '/api/v1/connection-types');
  const names = types.body.items.map((t) => t.type);
  assert.ok(names.includes('postgis') && names.includes('local-files'));
  assert.ok(!names.includes('embedded-postgis'), 'built-in only types are not offered');
  const postgis = types.body.items.find((t) => t.type === 'postgis')!;
  assert.equal(postgis.configSchema.properties.password?.writeOnly, true);
});
