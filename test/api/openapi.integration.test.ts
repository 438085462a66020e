import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

test('the OpenAPI document lists every /api/v1 route with its schemas', async () => {
  const response = await fetch(`${server.url}/api/openapi.json`);
  assert.equal(response.status, 200);
  const doc = (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  for (const route of server.routes.filter((r) => r.url.startsWith('/api/v1'))) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    assert.ok(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${path} is documented`);
  }
  const create = doc.paths['/api/v1/connections']?.post;
  assert.ok(JSON.stringify(create?.requestBody).includes('"name"'), 'request body schema is included');
});

test('browsable API docs at /api/docs', async () => {
  const response = await fetch(`${server.url}/api/docs`, { redirect: 'follow' });
  assert.equal(response.status, 200);
  assert.match(await response.text(), /swagger/i);
});

test('every answer carries a request id; a sane incoming one is kept and logged', async () => {
  const given = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-abc.123' } });
  assert.equal(given.headers.get('x-request-id'), 'trace-abc.123');
  const hostile = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'x'.repeat(200) } });
  assert.match(hostile.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, 'an unusable id is replaced');
  assert.ok(server.logs.some((line) => line.includes('"reqId":"trace-abc.123"')));
});
