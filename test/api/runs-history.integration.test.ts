/**
 * The run history API with the engine running: the `since`/`until` start-time range, paging the
 * log with `after`, and who gets 403 or 404 for a run action.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { z } from 'zod';

import type { Run } from '../../src/contracts/batches.dto.ts';
import type { TaskType } from '../../src/tasks/task-type.ts';
import { batchOf, runBatch } from '../helpers/batches.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

/** Logs more lines than one log page holds (the API answers at most 1000 per request). */
const chattyTask: TaskType = {
  type: 'test.chatty',
  title: 'Chatty',
  description: 'Logs many lines',
  capability: 'transactional',
  supportsCleanup: false,
  parameters: z.strictObject({}),
  async run(_params, ctx) {
    for (let i = 1; i <= 1500; i++) ctx.log('info', `line ${i}`);
    return { message: 'logged' };
  },
  async commitStaged() {},
  async rollbackStaged() {},
};

interface LogLine {
  id: number;
  message: string;
}
interface Problem {
  code: string;
  detail: string;
  errors?: { field?: string; message: string }[];
}

let server: TestServer;
let admin: ApiClient;
let reader: ApiClient;
let outsider: ApiClient;
let quickBatch: string;
let slowBatch: string;

before(async () => {
  server = await startTestServer({ taskTypes: [...testTaskTypes, chattyTask], engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  const ws = await admin.request<{ id: string }>('POST', '/api/v1/workspaces', { name: 'gis' });
  quickBatch = await batchOf(admin, 'gis', 'quick', [{ name: 'talk', type: 'test.chatty', parameters: {} }]);
  slowBatch = await batchOf(admin, 'gis', 'slow', [
    { name: 'wait', type: 'test.delay', parameters: { seconds: '30' } },
  ]);
  for (const username of ['reader', 'outsider']) {
    const user = await admin.request('POST', '/api/v1/users', { username, password: `${username}-password-1` });
    assert.equal(user.status, 201, JSON.stringify(user.body));
  }
  const grants = await admin.request('PUT', `/api/v1/workspaces/${ws.body.id}/grants`, {
    grants: [{ user: 'reader', level: 'read' }],
  });
  assert.equal(grants.status, 200, JSON.stringify(grants.body));
  reader = new ApiClient(server.url);
  await reader.login('reader', 'reader-password-1');
  outsider = new ApiClient(server.url);
  await outsider.login('outsider', 'outsider-password-1');
});

after(async () => {
  await server?.close();
});

const listIds = async (query: string) => {
  const page = await admin.request<{ items: Run[] }>('GET', `/api/v1/runs?batch=${quickBatch}&${query}`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body.items.map((run) => run.id).sort();
};

test('runs are filtered by start time: since inclusive, until exclusive', async () => {
  const first = await runBatch(admin, quickBatch);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const second = await runBatch(admin, quickBatch);
  assert.ok(Date.parse(second.startedAt) > Date.parse(first.startedAt));

  assert.deepEqual(await listIds(`until=${encodeURIComponent(second.startedAt)}`), [first.id]);
  assert.deepEqual(await listIds(`until=${encodeURIComponent(first.startedAt)}`), [], 'until is exclusive');
  assert.deepEqual(await listIds(`since=${encodeURIComponent(second.startedAt)}`), [second.id], 'since is inclusive');
  assert.deepEqual(
    await listIds(`since=${encodeURIComponent(first.startedAt)}&until=${encodeURIComponent(second.startedAt)}`),
    [first.id],
  );
  // A time with an offset names the same instant.
  const offset = new Date(Date.parse(second.startedAt)).toISOString().replace('Z', '+00:00');
  assert.deepEqual(await listIds(`until=${encodeURIComponent(offset)}`), [first.id]);
  assert.deepEqual(await listIds(''), [first.id, second.id].sort());
});

test('a bad range is refused with a clear 400 naming the field', async () => {
  const notADate = await admin.request<Problem>('GET', '/api/v1/runs?until=yesterday');
  assert.equal(notADate.status, 400);
  assert.equal(notADate.body.code, 'invalid_input');
  assert.deepEqual(
    notADate.body.errors?.map((e) => e.field),
    ['query.until'],
  );
  assert.match(notADate.body.detail, /until must be an ISO date-time/);

  const backwards = await admin.request<Problem>(
    'GET',
    '/api/v1/runs?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z',
  );
  assert.equal(backwards.status, 400);
  assert.deepEqual(
    backwards.body.errors?.map((e) => e.field),
    ['query.until'],
  );
  assert.match(backwards.body.detail, /until must be later than since/);

  const empty = await admin.request<Problem>(
    'GET',
    '/api/v1/runs?since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z',
  );
  assert.equal(empty.status, 400, 'an empty range is a mistake, not an empty answer');
});

test('the log pages with the last line id as `after`', async () => {
  const run = await runBatch(admin, quickBatch);
  assert.equal(run.status, 'committed', JSON.stringify(run));
  const lines: LogLine[] = [];
  let pages = 0;
  for (let after = 0; ; pages++) {
    const page = await admin.request<{ items: LogLine[] }>('GET', `/api/v1/runs/${run.id}/log?after=${after}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    if (page.body.items.length === 0) break;
    assert.ok(page.body.items.length <= 1000);
    lines.push(...page.body.items);
    after = page.body.items.at(-1)!.id;
  }
  assert.ok(pages >= 2, `more than one page (${pages})`);
  for (const bad of ['-1', 'abc', '1.5']) {
    const refused = await admin.request<{ code: string }>('GET', `/api/v1/runs/${run.id}/log?after=${bad}`);
    assert.equal(refused.status, 400, `after=${bad}: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.code, 'invalid_input');
  }
  const ids = lines.map((line) => line.id);
  assert.deepEqual(
    ids,
    [...new Set(ids)].sort((a, b) => a - b),
    'ascending, no line twice',
  );
  // Stored in the order they were written (the engine chains the inserts).
  const told = lines.filter((line) => /^line \d+$/.test(line.message)).map((line) => line.message);
  assert.deepEqual(
    told,
    Array.from({ length: 1500 }, (_, i) => `line ${i + 1}`),
    'every line once, in order',
  );
});

test('run actions: 403 for a caller who can read the run, 404 for one who cannot see it', async () => {
  const queued = await admin.request<Run>('POST', `/api/v1/batches/${slowBatch}/run`);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const id = queued.body.id;
  try {
    assert.equal((await reader.request('GET', `/api/v1/runs/${id}`)).status, 200);
    assert.equal((await reader.request('GET', `/api/v1/runs/${id}/log`)).status, 200);
    const refused = await reader.request<Problem>('POST', `/api/v1/runs/${id}/interrupt`);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'forbidden');

    for (const [method, path] of [
      ['GET', `/api/v1/runs/${id}`],
      ['GET', `/api/v1/runs/${id}/log`],
      ['POST', `/api/v1/runs/${id}/interrupt`],
    ] as const) {
      const hidden = await outsider.request<Problem>(method, path);
      assert.equal(hidden.status, 404, `${method} ${path}: ${JSON.stringify(hidden.body)}`);
      assert.equal(hidden.body.code, 'not_found');
    }
    const outsiderList = await outsider.request<{ total: number }>('GET', '/api/v1/runs');
    assert.equal(outsiderList.body.total, 0, 'the history hides runs of unseen workspaces');
    const missing = await reader.request<Problem>('POST', `/api/v1/runs/${crypto.randomUUID()}/interrupt`);
    assert.equal(missing.status, 404);

    assert.equal((await admin.request<Run>('GET', `/api/v1/runs/${id}`)).body.interruptRequested, false);
  } finally {
    assert.equal((await admin.request('POST', `/api/v1/runs/${id}/interrupt`)).status, 202);
  }
});
