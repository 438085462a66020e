/** Bad input gets a 4xx problem+json naming the field, and changes nothing. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface ProblemBody {
  code: string;
  status: number;
  detail: string;
  errors?: { field?: string; message: string }[];
}

let server: TestServer;
let admin: ApiClient;

before(async () => {
  server = await startTestServer({ settings: { server: { bodyLimitBytes: 4096 } } });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
});
after(async () => {
  await server?.close();
});

async function connectionCount(): Promise<number> {
  const rows = await server.ctx.db.selectFrom('connections').select('id').execute();
  return rows.length;
}

function assertProblem(
  response: { status: number; headers: Headers; body: unknown },
  status: number,
  code: string,
  field?: string,
) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = response.body as ProblemBody;
  assert.equal(body.code, code);
  assert.ok(body.detail.length > 0);
  if (field) {
    assert.ok(
      body.errors?.some((e) => e.field === field),
      `names ${field}: ${JSON.stringify(body.errors)}`,
    );
  }
}

test('invalid JSON', async () => {
  const before = await connectionCount();
  assertProblem(await admin.request('POST', '/api/v1/connections', '{"name": "x",'), 400, 'invalid_json');
  assert.equal(await connectionCount(), before);
});

test('wrong types, unknown fields, missing fields, invalid settings name the field', async () => {
  const before = await connectionCount();
  assertProblem(
    await admin.request('POST', '/api/v1/connections', { name: 42, type: 'local-files' }),
    400,
    'invalid_input',
    'name',
  );
  assertProblem(
    await admin.request('POST', '/api/v1/connections', { name: 'a', type: 'local-files', bogus: true }),
    400,
    'invalid_input',
    'bogus',
  );
  assertProblem(
    await admin.request('POST', '/api/v1/connections', { type: 'local-files' }),
    400,
    'invalid_input',
    'name',
  );
  assertProblem(
    await admin.request('POST', '/api/v1/connections', {
      name: 'a',
      type: 'postgis',
      config: { host: 'h', port: 'x' },
    }),
    400,
    'invalid_input',
    'config.port',
  );
  assertProblem(
    await admin.request('POST', '/api/v1/connections', {
      name: 'a',
      type: 'local-files',
      config: { root: '/tmp', extra: 1 },
    }),
    400,
    'invalid_input',
    'config',
  );
  assertProblem(
    await admin.request('POST', '/api/v1/connections', { name: 'a', type: 'no-such-type' }),
    400,
    'unknown_connection_type',
  );
  assertProblem(
    await admin.request('POST', '/api/v1/connections', { name: 'a b/c', type: 'local-files' }),
    400,
    'invalid_input',
    'name',
  );
  assertProblem(
    await admin.request('POST', '/api/v1/users', { username: 'x', password: 'short' }),
    400,
    'invalid_input',
    'password',
  );
  assert.equal(await connectionCount(), before);
});

test('oversized bodies are refused with 413', async () => {
  const response = await admin.request('POST', '/api/v1/connections', {
    name: 'big',
    type: 'local-files',
    description: 'x'.repeat(10_000),
  });
  assertProblem(response, 413, 'body_too_large');
});

test('bad pagination and bad ids', async () => {
  assertProblem(await admin.request('GET', '/api/v1/connections?limit=0'), 400, 'invalid_input', 'query.limit');
  assertProblem(await admin.request('GET', '/api/v1/connections?limit=100000'), 400, 'invalid_input', 'query.limit');
  assertProblem(await admin.request('GET', '/api/v1/connections?offset=-1'), 400, 'invalid_input', 'query.offset');
  assertProblem(await admin.request('GET', '/api/v1/connections?kind=printer'), 400, 'invalid_input', 'query.kind');
  assertProblem(await admin.request('GET', '/api/v1/users?foo=1'), 400, 'invalid_input', 'query.foo');
  assertProblem(await admin.request('GET', '/api/v1/connections/not-a-uuid'), 400, 'invalid_input', 'params.id');
  assertProblem(
    await admin.request('GET', '/api/v1/connections/00000000-0000-4000-8000-000000000000'),
    404,
    'not_found',
  );
  assertProblem(await admin.request('GET', '/api/v1/nothing-here'), 404, 'route_not_found');
});

test('wrong media type', async () => {
  const response = await admin.request('POST', '/api/v1/roles', 'name=x', {
    'content-type': 'application/x-www-form-urlencoded',
  });
  assertProblem(response, 415, 'unsupported_media_type');
});
