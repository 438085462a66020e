/**
 * geosync on its embedded default (PGlite in a worker thread): the API works, and a long store
 * query does not hold up other requests.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';

import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer({ backend: 'pglite' });
});
after(async () => {
  await server?.close();
});

test('log in and list connections on the embedded store', async () => {
  assert.equal(server.ctx.storeBackend, 'pglite');
  const client = new ApiClient(server.url);
  assert.equal((await client.login('admin', server.adminPassword)).status, 200);
  const list = await client.request<{ total: number }>('GET', '/api/v1/connections');
  assert.equal(list.body.total, 3, 'the built-in database, file service and map server');
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
});

// Blocked, /healthz would wait the whole second; idle, the delay stays under 50 ms
// (docs/figures.md); 250 ms leaves room for a loaded CI machine.
test('a 1 s store query does not hold /healthz back (delay < 250 ms)', async () => {
  const baseline: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await fetch(`${server.url}/healthz`);
    baseline.push(performance.now() - t);
  }
  const slow = sql`SELECT pg_sleep(1)`.execute(server.ctx.db);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const during: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const response = await fetch(`${server.url}/healthz`);
    during.push(performance.now() - t);
    assert.equal(response.status, 200);
  }
  await slow;
  const delay = Math.max(...during) - Math.min(...baseline);
  assert.ok(
    delay < 250,
    `healthz took up to ${Math.max(...during).toFixed(1)} ms during the query (baseline ${Math.min(...baseline).toFixed(1)} ms)`,
  );
});

test('/metrics serves Prometheus text with request timings by route', async () => {
  await fetch(`${server.url}/api/v1/connections/00000000-0000-4000-8000-000000000000`);
  const response = await fetch(`${server.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
  const text = await response.text();
  assert.match(text, /geosync_process_cpu_seconds_total/);
  assert.match(
    text,
    /geosync_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/connections\/:id",status="401"\} 1/,
  );
});
