import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({ settings: { auth: { loginAttempts: 3 } } });
});
after(async () => {
  await server?.close();
});

test('log in with a session cookie, see who I am, log out', async () => {
  const client = new ApiClient(server.url);
  const login = await client.login('admin', server.adminPassword);
  assert.equal(login.status, 200);
  const cookie = login.headers.get('set-cookie') ?? '';
  assert.match(cookie, /geosync_session=/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const me = await client.request<{ user: { username: string; isAdmin: boolean } }>('GET', '/api/v1/auth/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.user.username, 'admin');
  assert.equal(me.body.user.isAdmin, true);
  assert.equal((await client.request('POST', '/api/v1/auth/logout')).status, 204);
  assert.equal((await client.request('GET', '/api/v1/auth/me')).status, 401);
});

test('a cookie session must send the CSRF token on writes', async () => {
  const client = new ApiClient(server.url);
  await client.login('admin', server.adminPassword);
  const token = client.csrfToken;
  client.csrfToken = '';
  const refused = await client.request<{ code: string }>('POST', '/api/v1/roles', { name: 'csrf-test' });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'forbidden');
  assert.equal(
    (await client.request('POST', '/api/v1/roles', { name: 'csrf-test' }, { 'x-csrf-token': 'wrong' })).status,
    403,
  );
  client.csrfToken = token;
  assert.equal((await client.request('POST', '/api/v1/roles', { name: 'csrf-test' })).status, 201);
});

test('API tokens: shown once, work as Bearer, revocable', async () => {
  const admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/users', { username: 'tokenuser', password: 'token-user-pass' });
  const user = new ApiClient(server.url);
  assert.equal((await user.login('tokenuser', 'token-user-pass')).status, 200);
  const created = await user.request<{ id: string; token: string; prefix: string }>('POST', '/api/v1/tokens', {
    name: 'script',
  });
  assert.equal(created.status, 201);
  assert.match(created.body.token, /^gs_/);
  assert.ok(created.body.token.startsWith(created.body.prefix));
  const listed = await user.request<{ items: Record<string, unknown>[] }>('GET', '/api/v1/tokens');
  assert.equal(listed.body.items.length, 1);
  assert.ok(!JSON.stringify(listed.body).includes(created.body.token), 'the token is never shown again');
  const script = new ApiClient(server.url);
  script.bearer = created.body.token;
  const me = await script.request<{ user: { username: string } }>('GET', '/api/v1/auth/me');
  assert.equal(me.body.user.username, 'tokenuser');
  assert.equal((await user.request('DELETE', `/api/v1/tokens/${created.body.id}`)).status, 204);
  assert.equal((await script.request('GET', '/api/v1/auth/me')).status, 401);
});

// Last: it blocks admin logins from this address for the rest of the window.
test('wrong passwords are refused alike for unknown users, then rate limited', async () => {
  const client = new ApiClient(server.url);
  const unknown = await client.login('nobody', 'whatever-pass');
  assert.equal(unknown.status, 401);
  assert.equal((unknown.body as { code: string }).code, 'bad_credentials');
  for (let i = 0; i < 3; i++) assert.equal((await client.login('admin', 'wrong-password')).status, 401);
  const limited = await client.login('admin', server.adminPassword);
  assert.equal(limited.status, 429);
  assert.equal((limited.body as { code: string }).code, 'too_many_attempts');
});
