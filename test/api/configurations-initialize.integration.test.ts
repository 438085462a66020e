/**
 * `@Initialize` started by a save (PATCH) as well as by create, with the engine running: only in
 * init mode, only once its values are complete, never while a run of it is queued or running.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Run } from '../../src/contracts/batches.dto.ts';
import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

interface Problem {
  code: string;
  detail: string;
}

let server: TestServer;
let admin: ApiClient;
let reader: ApiClient;
let outsider: ApiClient;
let dir: string;
let templateId: string;

before(async () => {
  server = await startTestServer({ taskTypes: testTaskTypes, engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  const ws = await admin.request<{ id: string }>('POST', '/api/v1/workspaces', { name: 'gis' });
  dir = makeTempDir('gs-api-init-');
  for (const username of ['reader', 'outsider']) {
    const user = await admin.request('POST', '/api/v1/users', { username, password: `${username}-password-1` });
    assert.equal(user.status, 201, JSON.stringify(user.body));
  }
  await admin.request('PUT', `/api/v1/workspaces/${ws.body.id}/grants`, {
    grants: [{ user: 'reader', level: 'read' }],
  });
  reader = new ApiClient(server.url);
  await reader.login('reader', 'reader-password-1');
  outsider = new ApiClient(server.url);
  await outsider.login('outsider', 'outsider-password-1');

  // @Initialize waits `seconds`, then drops a marker in `dir`; `publish` needs `later`, asked afterwards.
  const template = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'init-template',
    template: true,
    tasks: [
      { name: 'wait', type: 'test.delay', parameters: { seconds: '${seconds}' } },
      { name: 'mark', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${marker}' } },
      { name: 'publish', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${later}' } },
    ],
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  templateId = template.body.id;
  const [wait, mark, publish] = template.body.tasks.map((t) => t.id);
  for (const [name, tasks] of [
    ['@Initialize', [wait, mark]],
    ['publish', [publish]],
  ] as const) {
    const batch = await admin.request('POST', '/api/v1/batches', {
      workspace: 'gis',
      configuration: templateId,
      name,
      tasks,
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
  }
});

after(async () => {
  await server?.close();
});

async function waitForEnd(runId: string): Promise<Run> {
  for (let i = 0; i < 300; i++) {
    const run = await admin.request<Run>('GET', `/api/v1/runs/${runId}`);
    if (!['queued', 'running'].includes(run.body.status)) return run.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${runId} did not end`);
}

const runsOf = async (batchId: string) =>
  (await admin.request<{ items: Run[] }>('GET', `/api/v1/runs?batch=${batchId}`)).body.items;

const patch = (client: ApiClient, id: string, change: unknown) =>
  client.request<Configuration & Problem>('PATCH', `/api/v1/configurations/${id}`, change);

test('a save that completes the @Initialize values starts it once; a later save retries a failed one', async () => {
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'roads',
    from: templateId,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const batchId = created.body.initializeBatchId!;
  assert.ok(batchId, 'in init mode');
  assert.equal(created.body.initializeRunId, undefined, 'values missing: not started');

  const partial = await patch(admin, id, { attributes: { seconds: '30' } });
  assert.equal(partial.status, 200, JSON.stringify(partial.body));
  assert.ok(partial.body.problems.length > 0);
  assert.equal(partial.body.initializeRunId, undefined, 'still incomplete: not started');

  const wrong = await patch(admin, id, { attributes: { seconds: 'soon', dir, marker: 'initialized' } });
  assert.equal(wrong.status, 200, JSON.stringify(wrong.body));
  assert.ok(wrong.body.problems.length > 0, 'a bad value is a problem');
  assert.equal(wrong.body.initializeRunId, undefined, 'a bad value does not start it');
  assert.deepEqual(await runsOf(batchId), []);

  const complete = await patch(admin, id, { attributes: { seconds: '30', dir, marker: 'initialized' } });
  assert.equal(complete.status, 200, JSON.stringify(complete.body));
  assert.deepEqual(complete.body.problems, []);
  const first = complete.body.initializeRunId;
  assert.ok(first, 'the save that completed the values started @Initialize');
  const started = (await admin.request<Run>('GET', `/api/v1/runs/${first}`)).body;
  assert.equal(started.trigger, 'initialize');
  assert.equal(started.startedBy, 'admin');

  // While it is queued or running, another save starts nothing.
  const again = await patch(admin, id, { description: 'saved again while initializing' });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.initializeRunId, undefined, 'not started twice');
  // Nor does bulk initialize.
  const bulk = await admin.request<{ items: unknown[] }>('POST', '/api/v1/bulk/initialize', { configuration: 'roads' });
  assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
  assert.deepEqual(bulk.body.items, [], 'a queued or running @Initialize is not queued again');
  assert.deepEqual(
    (await runsOf(batchId)).map((run) => run.id),
    [first],
  );

  assert.equal((await admin.request('POST', `/api/v1/runs/${first}/interrupt`)).status, 202);
  assert.notEqual((await waitForEnd(first)).status, 'committed');
  assert.ok((await admin.request<Configuration>('GET', `/api/v1/configurations/${id}`)).body.initializeBatchId);

  // Still in init mode after the failed run: the next save (even an unchanged one) tries again.
  const retry = await patch(admin, id, { attributes: { seconds: '0', dir, marker: 'initialized' } });
  const second = retry.body.initializeRunId;
  assert.ok(second, JSON.stringify(retry.body));
  assert.notEqual(second, first);
  assert.equal((await waitForEnd(second)).status, 'committed');
  assert.ok(existsSync(path.join(dir, 'initialized')));

  // Out of init mode: saves no longer start it.
  let initialized = (await admin.request<Configuration>('GET', `/api/v1/configurations/${id}`)).body;
  for (let i = 0; i < 50 && initialized.initializeBatchId !== null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    initialized = (await admin.request<Configuration>('GET', `/api/v1/configurations/${id}`)).body;
  }
  assert.equal(initialized.initializeBatchId, null);
  const finished = await patch(admin, id, { attributes: { seconds: '0', dir, marker: 'initialized', later: 'pub' } });
  assert.equal(finished.status, 200, JSON.stringify(finished.body));
  assert.equal(finished.body.initializeRunId, undefined);
  assert.equal(finished.body.validated, true, JSON.stringify(finished.body.problems));
  assert.equal((await runsOf(batchId)).length, 2);
});

test('complete at create: started by the create; after it failed, an unchanged save starts it again', async () => {
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'rivers',
    from: templateId,
    attributes: { seconds: '30', dir, marker: 'rivers' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const batchId = created.body.initializeBatchId!;
  const fromCreate = created.body.initializeRunId;
  assert.ok(fromCreate, 'complete at create: started by the create');
  assert.equal((await admin.request('POST', `/api/v1/runs/${fromCreate}/interrupt`)).status, 202);
  assert.notEqual((await waitForEnd(fromCreate)).status, 'committed');

  // The UI's "Initialize again" is this unchanged save.
  const unchanged = await patch(admin, created.body.id, {});
  assert.equal(unchanged.status, 200, JSON.stringify(unchanged.body));
  const retried = unchanged.body.initializeRunId;
  assert.ok(retried && retried !== fromCreate, JSON.stringify(unchanged.body));
  assert.equal((await admin.request<Run>('GET', `/api/v1/runs/${retried}`)).body.trigger, 'initialize');
  assert.equal((await runsOf(batchId)).length, 2);
  assert.equal((await admin.request('POST', `/api/v1/runs/${retried}/interrupt`)).status, 202);
  await waitForEnd(retried);
});

test('saves that are refused or invalid start nothing; forbidden and not found are told apart', async () => {
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'lakes',
    from: templateId,
    attributes: { seconds: '0', dir },
  });
  const id = created.body.id;
  const batchId = created.body.initializeBatchId!;
  assert.equal(created.body.initializeRunId, undefined);
  const complete = { attributes: { seconds: '0', dir, marker: 'lakes' } };

  const byReader = await patch(reader, id, complete);
  assert.equal(byReader.status, 403, JSON.stringify(byReader.body));
  assert.equal(byReader.body.code, 'forbidden');
  const byOutsider = await patch(outsider, id, complete);
  assert.equal(byOutsider.status, 404, JSON.stringify(byOutsider.body));
  // Told about what it asked for, not about a workspace it cannot know.
  assert.equal(byOutsider.body.detail, `Configuration '${id}' does not exist`);
  const batchByOutsider = await outsider.request<Problem>('GET', `/api/v1/batches/${batchId}`);
  assert.equal(batchByOutsider.status, 404);
  assert.equal(batchByOutsider.body.detail, `Batch '${batchId}' does not exist`);
  // A workspace the caller cannot see reads exactly like one that does not exist.
  for (const workspace of ['gis', 'nowhere']) {
    const hidden = await outsider.request<Problem>('POST', '/api/v1/batches', { workspace, name: 'b', tasks: [] });
    assert.equal(hidden.status, 404, JSON.stringify(hidden.body));
    assert.equal(hidden.body.detail, `Workspace '${workspace}' does not exist`);
  }
  // Bulk operations do not list what a caller cannot see, not even as refusals.
  for (const path of ['/api/v1/bulk/run', '/api/v1/bulk/initialize']) {
    const stranger = await outsider.request<{ items: unknown[] }>('POST', path, {});
    assert.equal(stranger.status, 200, JSON.stringify(stranger.body));
    assert.deepEqual(stranger.body.items, [], path);
  }
  const byReaderBulk = await reader.request<{ items: { name: string; message?: string }[] }>(
    'POST',
    '/api/v1/bulk/initialize',
    { configuration: 'lakes' },
  );
  assert.deepEqual(
    byReaderBulk.body.items.map((item) => [item.name, item.message]),
    [['gis/lakes/@Initialize', "This needs 'write' permission on the workspace"]],
  );
  const unknownField = await patch(admin, id, { ...complete, initialize: true });
  assert.equal(unknownField.status, 400, JSON.stringify(unknownField.body));
  assert.equal(unknownField.body.code, 'invalid_input');
  const duplicate = await patch(admin, id, {
    tasks: [
      { name: 'twice', type: 'test.delay', parameters: { seconds: '0' } },
      { name: 'twice', type: 'test.delay', parameters: { seconds: '0' } },
    ],
  });
  assert.equal(duplicate.status, 400, JSON.stringify(duplicate.body));
  assert.deepEqual(await runsOf(batchId), [], 'no refused save started a run');
  assert.equal(existsSync(path.join(dir, 'lakes')), false);

  // A template is never initialized itself, however complete.
  const template = await patch(admin, templateId, complete);
  assert.equal(template.status, 200, JSON.stringify(template.body));
  assert.equal(template.body.initializeRunId, undefined);
});

test('two saves at once start @Initialize once: the store allows one open initialize run per batch', async () => {
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'rivers-race',
    from: templateId,
    // The template has values by now (the test above saved some): leave one empty.
    attributes: { seconds: '30', dir, marker: '' },
  });
  const batchId = created.body.initializeBatchId!;
  assert.equal(created.body.initializeRunId, undefined, 'incomplete at create');
  const complete = { attributes: { seconds: '30', dir, marker: 'race' } };
  const saves = await Promise.all([patch(admin, created.body.id, complete), patch(admin, created.body.id, complete)]);
  for (const save of saves) assert.equal(save.status, 200, JSON.stringify(save.body));
  const started = saves.map((save) => save.body.initializeRunId).filter(Boolean);
  assert.equal(started.length, 1, JSON.stringify(saves.map((save) => save.body.initializeRunId)));
  assert.equal((await runsOf(batchId)).length, 1);
  // The rule is the store's, whoever queues: a second open initialize run is refused.
  await assert.rejects(
    server.ctx.engine.runNow({ batchId, trigger: 'initialize', startedBy: 'admin' }),
    /batch_runs_one_open_initialize/,
  );
  assert.equal((await admin.request('POST', `/api/v1/runs/${started[0]}/interrupt`)).status, 202);
  await waitForEnd(started[0]!);
});
