import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface User {
  id: string;
  username: string;
  roles: string[];
  disabled: boolean;
}

let server: TestServer;
let admin: ApiClient;

before(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
});
after(async () => {
  await server?.close();
});

async function loginAs(username: string, password: string): Promise<ApiClient> {
  const client = new ApiClient(server.url);
  assert.equal((await client.login(username, password)).status, 200);
  return client;
}

test('users: create, list, change roles, disable ends sessions, remove', async () => {
  const created = await admin.request<User>('POST', '/api/v1/users', {
    username: 'carol',
    password: 'carol-pass-1',
    email: 'carol@example.org',
  });
  assert.equal(created.status, 201);
  assert.ok(!JSON.stringify(created.body).includes('carol-pass-1'));
  assert.ok(!('passwordHash' in created.body) && !('password_hash' in created.body));
  const list = await admin.request<{ items: User[]; total: number }>('GET', '/api/v1/users?limit=1');
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.total, 2);
  const unknownRole = await admin.request<{ code: string }>('PATCH', `/api/v1/users/${created.body.id}`, {
    roles: ['nope'],
  });
  assert.equal(unknownRole.status, 400);
  assert.equal(unknownRole.body.code, 'unknown_role');
  const carol = await loginAs('carol', 'carol-pass-1');
  assert.equal((await carol.request('GET', '/api/v1/auth/me')).status, 200);
  const disabled = await admin.request<User>('PATCH', `/api/v1/users/${created.body.id}`, { disabled: true });
  assert.equal(disabled.body.disabled, true);
  assert.equal((await carol.request('GET', '/api/v1/auth/me')).status, 401, 'a disabled user is logged out');
  assert.equal((await new ApiClient(server.url).login('carol', 'carol-pass-1')).status, 401);
  assert.equal((await admin.request('DELETE', `/api/v1/users/${created.body.id}`)).status, 204);
  assert.equal((await admin.request('GET', `/api/v1/users/${created.body.id}`)).status, 404);
});

test('the last administrator cannot be demoted, disabled or removed', async () => {
  const me = await admin.request<{ user: { id: string } }>('GET', '/api/v1/auth/me');
  const demote = await admin.request<{ code: string }>('PATCH', `/api/v1/users/${me.body.user.id}`, { roles: [] });
  assert.equal(demote.status, 409);
  assert.equal(demote.body.code, 'last_admin');
  assert.equal((await admin.request('DELETE', `/api/v1/users/${me.body.user.id}`)).status, 403, 'not yourself');
  const still = await admin.request<User>('GET', `/api/v1/users/${me.body.user.id}`);
  assert.deepEqual(still.body.roles, ['admin']);
});

test('passwords: own change needs the current one; admins reset anyone', async () => {
  const dave = await admin.request<User>('POST', '/api/v1/users', { username: 'dave', password: 'dave-pass-1' });
  const client = await loginAs('dave', 'dave-pass-1');
  const wrong = await client.request<{ code: string }>('PUT', `/api/v1/users/${dave.body.id}/password`, {
    currentPassword: 'nope',
    newPassword: 'dave-pass-2',
  });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.code, 'wrong_password');
  const ok = await client.request('PUT', `/api/v1/users/${dave.body.id}/password`, {
    currentPassword: 'dave-pass-1',
    newPassword: 'dave-pass-2',
  });
  assert.equal(ok.status, 204);
  const other = await admin.request<User>('POST', '/api/v1/users', { username: 'erin', password: 'erin-pass-1' });
  const again = await loginAs('dave', 'dave-pass-2');
  assert.equal(
    (await again.request('PUT', `/api/v1/users/${other.body.id}/password`, { newPassword: 'hacked-pass-1' })).status,
    403,
  );
  assert.equal(
    (await admin.request('PUT', `/api/v1/users/${dave.body.id}/password`, { newPassword: 'reset-pass-1' })).status,
    204,
  );
  await loginAs('dave', 'reset-pass-1');
});

test('workspaces: grants to users and roles decide who sees and edits what', async () => {
  await admin.request('POST', '/api/v1/roles', { name: 'surveyors' });
  await admin.request('POST', '/api/v1/users', { username: 'sam', password: 'sam-pass-12', roles: ['surveyors'] });
  await admin.request('POST', '/api/v1/users', { username: 'olga', password: 'olga-pass-12' });
  const ws = await admin.request<{ id: string; myLevel: string }>('POST', '/api/v1/workspaces', {
    name: 'survey',
    description: 'Field survey',
  });
  assert.equal(ws.status, 201);
  assert.equal(ws.body.myLevel, 'admin');
  const dup = await admin.request<{ code: string }>('POST', '/api/v1/workspaces', { name: 'survey' });
  assert.equal(dup.status, 409);
  const badGrant = await admin.request<{ code: string; errors: { field: string }[] }>(
    'PUT',
    `/api/v1/workspaces/${ws.body.id}/grants`,
    { grants: [{ user: 'ghost', level: 'read' }] },
  );
  assert.equal(badGrant.status, 400);
  assert.equal(badGrant.body.errors[0]?.field, 'grants.0.user');
  const both = await admin.request('PUT', `/api/v1/workspaces/${ws.body.id}/grants`, {
    grants: [{ user: 'sam', role: 'surveyors', level: 'read' }],
  });
  assert.equal(both.status, 400);
  const set = await admin.request<{ grants: unknown[] }>('PUT', `/api/v1/workspaces/${ws.body.id}/grants`, {
    grants: [
      { role: 'surveyors', level: 'write' },
      { user: 'olga', level: 'read' },
    ],
  });
  assert.deepEqual(set.body.grants, [
    { user: 'olga', level: 'read' },
    { role: 'surveyors', level: 'write' },
  ]);
  const sam = await loginAs('sam', 'sam-pass-12');
  const samList = await sam.request<{ items: { name: string; myLevel: string }[] }>('GET', '/api/v1/workspaces');
  assert.deepEqual(
    samList.body.items.map((w) => [w.name, w.myLevel]),
    [['survey', 'write']],
  );
  assert.equal((await sam.request('PATCH', `/api/v1/workspaces/${ws.body.id}`, { description: 'x' })).status, 403);
  const olga = await loginAs('olga', 'olga-pass-12');
  assert.equal((await olga.request('GET', `/api/v1/workspaces/${ws.body.id}`)).status, 200);
  const outsider = await admin.request<User>('POST', '/api/v1/users', { username: 'otto', password: 'otto-pass-12' });
  assert.equal(outsider.status, 201);
  const otto = await loginAs('otto', 'otto-pass-12');
  assert.equal(
    (await otto.request('GET', `/api/v1/workspaces/${ws.body.id}`)).status,
    404,
    'no grant: not even its existence',
  );
  assert.deepEqual((await otto.request<{ items: unknown[] }>('GET', '/api/v1/workspaces')).body.items, []);
  await admin.request('PUT', `/api/v1/workspaces/${ws.body.id}/grants`, { grants: [{ user: 'olga', level: 'admin' }] });
  const renamed = await olga.request<{ name: string }>('PATCH', `/api/v1/workspaces/${ws.body.id}`, {
    name: 'survey-2026',
  });
  assert.equal(renamed.body.name, 'survey-2026');
  assert.equal(
    (await sam.request('GET', `/api/v1/workspaces/${ws.body.id}`)).status,
    404,
    'grants replaced as a whole',
  );
});

test('a workspace holding configurations, or their history, is refused removal with a clear 409', async () => {
  const ws = await admin.request<{ id: string }>('POST', '/api/v1/workspaces', { name: 'busy' });
  assert.equal(ws.status, 201, JSON.stringify(ws.body));
  const config = await admin.request<{ id: string }>('POST', '/api/v1/configurations', {
    workspace: 'busy',
    name: 'held',
    tasks: [],
  });
  assert.equal(config.status, 201, JSON.stringify(config.body));
  const held = await admin.request<{ code: string; detail: string }>('DELETE', `/api/v1/workspaces/${ws.body.id}`);
  assert.equal(held.status, 409, JSON.stringify(held.body));
  assert.equal(held.body.code, 'workspace_not_empty');
  assert.match(held.body.detail, /still holds 1 configuration/);
  assert.equal((await admin.request('DELETE', `/api/v1/configurations/${config.body.id}`)).status, 200);
  const history = await admin.request<{ code: string }>('DELETE', `/api/v1/workspaces/${ws.body.id}`);
  assert.equal(history.status, 409, JSON.stringify(history.body));
  assert.equal(history.body.code, 'workspace_has_history');
  const withTemplate = await admin.request<{ id: string }>('POST', '/api/v1/workspaces', { name: 'described' });
  const template = await admin.request<{ id: string }>('POST', '/api/v1/metadata-templates', {
    workspace: 'described',
    name: 'roads',
    title: 'Roads',
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  const described = await admin.request<{ code: string; detail: string }>(
    'DELETE',
    `/api/v1/workspaces/${withTemplate.body.id}`,
  );
  assert.equal(described.status, 409, JSON.stringify(described.body));
  assert.match(described.body.detail, /1 metadata template/);
  const empty = await admin.request<{ id: string }>('POST', '/api/v1/workspaces', { name: 'empty' });
  assert.equal((await admin.request('DELETE', `/api/v1/workspaces/${empty.body.id}`)).status, 204);
});

test('no password or token reaches the log', () => {
  const log = server.logs.join('');
  for (const secret of [server.adminPassword, 'carol-pass-1', 'dave-pass-2', 'reset-pass-1', 'sam-pass-12']) {
    assert.ok(!log.includes(secret), `log holds ${secret}`);
  }
  assert.ok(log.length > 1000, 'the requests were logged');
});
