/** Templates, configurations, batches and runs through the REST API, with the engine running. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

interface Configuration {
  id: string;
  name: string;
  template: boolean;
  validated: boolean;
  drift: boolean | null;
  attributes: { name: string; value: string | null; required: boolean; kinds: string[] }[];
  tasks: { id: string; name: string; parameters: Record<string, string> }[];
  problems: { code: string; location: string }[];
  batches: { id: string; name: string; enabled: boolean; tasks: string[] }[];
}
interface Run {
  id: string;
  status: string;
  tasks: { task: string; status: string; message: string | null }[];
}

let server: TestServer;
let admin: ApiClient;
let dir: string;
let token: string;
/** Run reports the engine POSTed to the webhook (failed runs only). */
const reports: { report: { status: string; batch: string } }[] = [];
let receiver: Server;

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      reports.push(JSON.parse(body) as (typeof reports)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/reports`;
  server = await startTestServer({
    taskTypes: testTaskTypes,
    engine: true,
    settings: { reports: { webhookUrl, filter: 'failed' } },
  });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  dir = makeTempDir('gs-api-markers-');
  token = (await admin.request<{ token: string }>('POST', '/api/v1/tokens', { name: 'events' })).body.token;
});
after(async () => {
  await server?.close();
  receiver?.close();
});

async function waitForEnd(runId: string, timeoutMs = 20_000): Promise<Run> {
  const started = Date.now();
  for (;;) {
    const run = await admin.request<Run>('GET', `/api/v1/runs/${runId}`);
    if (!['queued', 'running'].includes(run.body.status)) return run.body;
    if (Date.now() - started > timeoutMs) throw new Error(`run still ${run.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('task types list their parameters with kinds and dependencies', async () => {
  const types = await admin.request<{
    items: { type: string; parameters: { name: string; kind: string; required: boolean }[] }[];
  }>('GET', '/api/v1/task-types');
  const marker = types.body.items.find((t) => t.type === 'test.create-marker');
  assert.deepEqual(
    marker?.parameters.map((p) => [p.name, p.kind, p.required]),
    [
      ['dir', 'string', true],
      ['name', 'string', true],
      ['waitSeconds', 'integer', false],
    ],
  );
});

test('template -> configuration -> validate -> batch -> run -> committed, with drift', async () => {
  const template = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'marker-template',
    template: true,
    tasks: [
      { name: 'first', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${first}' } },
      { name: 'second', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'second' } },
    ],
  });
  assert.equal(template.status, 201, JSON.stringify(template.body));
  assert.deepEqual(
    template.body.attributes.map((a) => [a.name, a.required]),
    [
      ['dir', true],
      ['first', true],
    ],
  );
  assert.deepEqual(template.body.problems, [], 'templates may leave required values empty');
  const templateBatch = await admin.request('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: template.body.id,
    name: 'main',
    tasks: template.body.tasks.map((t) => t.id),
  });
  assert.equal(templateBatch.status, 201, JSON.stringify(templateBatch.body));

  const config = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'markers',
    from: template.body.id,
  });
  assert.equal(config.status, 201);
  assert.equal(config.body.validated, false);
  assert.deepEqual(config.body.problems.map((p) => [p.code, p.location]).sort(), [
    ['missing', 'tasks.first.dir'],
    ['missing', 'tasks.first.name'],
    ['missing', 'tasks.second.dir'],
  ]);
  assert.equal(config.body.drift, false);

  const filled = await admin.request<Configuration>('PATCH', `/api/v1/configurations/${config.body.id}`, {
    attributes: { dir, first: 'first' },
  });
  assert.equal(filled.body.validated, true, JSON.stringify(filled.body.problems));

  const batches = await admin.request<{ items: { id: string; name: string; enabled: boolean }[] }>(
    'GET',
    `/api/v1/batches?configuration=${config.body.id}`,
  );
  const batch = batches.body.items[0]!;
  assert.equal(batch.enabled, false, 'copies start disabled');
  const queued = await admin.request<Run>('POST', `/api/v1/batches/${batch.id}/run`);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const run = await waitForEnd(queued.body.id);
  assert.equal(run.status, 'committed', JSON.stringify(run));
  assert.deepEqual(readdirSync(dir).sort(), ['first', 'second']);

  await admin.request('PATCH', `/api/v1/configurations/${template.body.id}`, {
    tasks: [
      { name: 'first', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'renamed' } },
      { name: 'second', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'second' } },
    ],
  });
  const drifted = await admin.request<Configuration>('GET', `/api/v1/configurations/${config.body.id}`);
  assert.equal(drifted.body.drift, true);
  const applied = await admin.request<Configuration>('POST', `/api/v1/configurations/${config.body.id}/apply-template`);
  assert.equal(applied.status, 200, JSON.stringify(applied.body));
  assert.equal(applied.body.drift, false);
  assert.equal(applied.body.tasks.find((t) => t.name === 'first')?.parameters.name, 'renamed');
  assert.deepEqual(applied.body.attributes.find((a) => a.name === 'dir')?.value, dir, 'attribute values stay');
  assert.equal(applied.body.batches[0]?.enabled, false);
  assert.deepEqual(applied.body.batches[0]?.tasks, ['first', 'second']);
});

test('a failing run rolls back; an interrupt stops a long one; history keeps both', async () => {
  const config = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'failing',
    attributes: { dir },
    tasks: [
      { name: 'mark', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'never' } },
      { name: 'boom', type: 'test.fail', parameters: { message: 'no disk' } },
      { name: 'wait', type: 'test.delay', parameters: { seconds: '60' } },
    ],
  });
  assert.equal(config.body.validated, true, JSON.stringify(config.body.problems));
  const [mark, boom, wait] = config.body.tasks.map((t) => t.id);
  const failing = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: config.body.id,
    name: 'fails',
    tasks: [mark, boom],
  });
  const run = await waitForEnd((await admin.request<Run>('POST', `/api/v1/batches/${failing.body.id}/run`)).body.id);
  assert.equal(run.status, 'failed');
  assert.deepEqual(
    run.tasks.map((t) => t.status),
    ['rolled_back', 'failed'],
  );
  assert.equal(run.tasks[1]?.message, 'no disk');
  for (let i = 0; i < 20 && reports.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(
    reports.map((r) => [r.report.batch, r.report.status]),
    [['fails', 'failed']],
    'only the failed run was reported',
  );
  assert.equal(existsSync(path.join(dir, 'never')), false);

  const slow = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: config.body.id,
    name: 'slow',
    tasks: [mark, wait],
  });
  const started = await admin.request<Run>('POST', `/api/v1/batches/${slow.body.id}/run`);
  for (let i = 0; i < 50; i++) {
    const now = await admin.request<Run>('GET', `/api/v1/runs/${started.body.id}`);
    if (now.body.tasks[1]?.status === 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const asked = Date.now();
  assert.equal((await admin.request('POST', `/api/v1/runs/${started.body.id}/interrupt`)).status, 202);
  const interrupted = await waitForEnd(started.body.id);
  assert.ok(Date.now() - asked < 5000, `stopped in ${Date.now() - asked} ms`);
  assert.deepEqual(
    interrupted.tasks.map((t) => t.status),
    ['rolled_back', 'failed'],
  );
  const events = await fetch(`${server.url}/api/v1/runs/${run.id}/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.match(events.headers.get('content-type') ?? '', /text\/event-stream/);
  const stream = await events.text();
  assert.match(stream, /event: run\ndata: \{"id":/);
  assert.match(stream, /event: log\ndata: .*no disk/);
  assert.match(stream, /event: end\ndata: \{"status":"failed"\}/);
  const history = await admin.request<{ total: number }>('GET', '/api/v1/runs');
  assert.ok(history.body.total >= 3);
  const log = await admin.request<{ items: { message: string }[] }>('GET', `/api/v1/runs/${run.id}/log`);
  assert.ok(log.body.items.some((l) => l.message.includes('no disk')));
});

test('export and import a configuration as YAML; Task Manager XML import', async () => {
  const list = await admin.request<{ items: { id: string; name: string }[] }>(
    'GET',
    '/api/v1/configurations?search=markers',
  );
  const id = list.body.items.find((c) => c.name === 'markers')!.id;
  const exported = await admin.request<string>('GET', `/api/v1/configurations/${id}/export?format=yaml`);
  assert.equal(exported.status, 200);
  assert.match(exported.body, /format: geosync\.configuration/);
  const imported = await admin.request<Configuration>(
    'POST',
    '/api/v1/configurations/import?name=markers-copy',
    exported.body,
    { 'content-type': 'application/yaml' },
  );
  assert.equal(imported.status, 201, JSON.stringify(imported.body));
  assert.deepEqual(
    imported.body.tasks.map((t) => t.name),
    ['first', 'second'],
  );
  const bad = await admin.request<{ code: string }>('POST', '/api/v1/configurations/import', 'format: nonsense\n', {
    'content-type': 'application/yaml',
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'invalid_document');
  const xml = await admin.request<{ code: string }>(
    'POST',
    '/api/v1/configurations/import-taskmanager?workspace=gis',
    '<not-xml',
    { 'content-type': 'application/xml' },
  );
  assert.equal(xml.status, 400);
  assert.equal(xml.body.code, 'invalid_taskmanager_xml');
});

test('bulk import from a CSV: one configuration per row, row errors reported', async () => {
  const list = await admin.request<{ items: { id: string; name: string }[] }>(
    'GET',
    '/api/v1/configurations?template=true',
  );
  const template = list.body.items.find((c) => c.name === 'marker-template')!;
  // The template now reads only `dir` (test 2 changed its first task).
  const csv = `\uFEFFname,description,dir\nbulk-1,"one, with comma",${dir}\nbulk-2,two,${dir}\nbulk-1,dup,${dir}\n`;
  const result = await admin.request<{
    created: number;
    failed: number;
    rows: { line: number; ok: boolean; message?: string }[];
  }>('POST', `/api/v1/bulk/import?template=${template.id}`, csv, { 'content-type': 'text/csv' });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.equal(result.body.created, 1, JSON.stringify(result.body.rows));
  assert.deepEqual(
    result.body.rows.map((r) => [r.line, r.ok]),
    [
      [2, false],
      [3, true],
      [4, false],
    ],
    'both rows naming bulk-1 are refused',
  );
  const header = await admin.request<{ code: string }>(
    'POST',
    `/api/v1/bulk/import?template=${template.id}`,
    'nom,dir\nx,y\n',
    { 'content-type': 'text/csv' },
  );
  assert.equal(header.status, 400);
  assert.equal(header.body.code, 'invalid_csv');
});

test('bad input: malformed cron, unknown task type, tasks of another configuration', async () => {
  const preview = await admin.request<{ code: string; errors: { field: string }[] }>(
    'POST',
    '/api/v1/schedule-preview',
    { schedule: { kind: 'cron', expression: '* * * * * *' } },
  );
  assert.equal(preview.status, 400);
  assert.equal(preview.body.code, 'invalid_schedule');
  const ok = await admin.request<{ fires: string[] }>('POST', '/api/v1/schedule-preview', {
    schedule: { kind: 'weekly', day: 'MON', time: '06:00' },
    timeZone: 'Europe/Brussels',
  });
  assert.equal(ok.body.fires.length, 5);
  const unknown = await admin.request<{ code: string }>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'x',
    tasks: [{ name: 't', type: 'NoSuchType' }],
  });
  assert.equal(unknown.body.code, 'unknown_task_type');
  const other = await admin.request<{ items: { id: string; tasks: { id: string }[] }[] }>(
    'GET',
    '/api/v1/configurations?search=failing',
  );
  const foreignTask = (await admin.request<Configuration>('GET', `/api/v1/configurations/${other.body.items[0]!.id}`))
    .body.tasks[0]!.id;
  const markers = (
    await admin.request<{ items: { id: string; name: string }[] }>('GET', '/api/v1/configurations?search=markers')
  ).body.items.find((c) => c.name === 'markers')!;
  const wrong = await admin.request<{ code: string }>('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: markers.id,
    name: 'mixed',
    tasks: [foreignTask],
  });
  assert.equal(wrong.body.code, 'unknown_task');
});

test('an initializing template: @Initialize runs on first save, then the rest is completed', async () => {
  const template = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'init-template',
    template: true,
    tasks: [
      { name: 'prepare', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'prepared' } },
      { name: 'publish', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${later}' } },
    ],
  });
  const [prepare, publish] = template.body.tasks.map((t) => t.id);
  await admin.request('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: template.body.id,
    name: '@Initialize',
    tasks: [prepare],
  });
  await admin.request('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: template.body.id,
    name: 'publish',
    tasks: [publish],
  });
  const hidden = await admin.request<{ items: { name: string }[] }>('GET', '/api/v1/batches?workspace=gis');
  assert.ok(!hidden.body.items.some((b) => b.name.startsWith('@')), '@ batches stay off the global list');

  const created = await admin.request<Configuration & { initializeBatchId: string | null; initializeRunId?: string }>(
    'POST',
    '/api/v1/configurations',
    {
      workspace: 'gis',
      name: 'initialized',
      from: template.body.id,
      attributes: { dir },
    },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.ok(created.body.initializeBatchId, 'in init mode');
  assert.deepEqual(created.body.problems, [], 'only @Initialize tasks are checked in init mode');
  assert.ok(created.body.initializeRunId, '@Initialize started on first save');
  assert.equal((await waitForEnd(created.body.initializeRunId)).status, 'committed');
  assert.ok(existsSync(path.join(dir, 'prepared')));

  // Validated again by the engine once @Initialize committed: a plain GET shows it.
  const after = await admin.request<Configuration & { initializeBatchId: string | null }>(
    'GET',
    `/api/v1/configurations/${created.body.id}`,
  );
  assert.equal(after.body.initializeBatchId, null);
  assert.deepEqual(
    after.body.problems.map((p) => p.location),
    ['tasks.publish.name'],
  );
  const completed = await admin.request<Configuration>('PATCH', `/api/v1/configurations/${created.body.id}`, {
    attributes: { dir, later: 'published' },
  });

  // A second configuration saved with incomplete @Initialize values stays in init mode; the save
  // that completes them starts @Initialize (as create does). Its run fails (the folder is missing);
  // once the folder exists, bulk initialize starts it again and the engine validates it afterwards.
  const waiting = await admin.request<Configuration & { initializeBatchId: string | null; initializeRunId?: string }>(
    'POST',
    '/api/v1/configurations',
    {
      workspace: 'gis',
      name: 'initialized-2',
      from: template.body.id,
    },
  );
  assert.equal(waiting.body.initializeRunId, undefined, 'not started while its @Initialize values are missing');
  const laterDir = path.join(dir, 'later');
  const saved = await admin.request<Configuration & { initializeRunId?: string }>(
    'PATCH',
    `/api/v1/configurations/${waiting.body.id}`,
    { attributes: { dir: laterDir, later: 'second' } },
  );
  assert.ok(saved.body.initializeRunId, 'the save that completed the values started @Initialize');
  assert.equal((await waitForEnd(saved.body.initializeRunId)).status, 'failed');
  mkdirSync(laterDir);
  const bulk = await admin.request<{ queued: number; items: { name: string; runId?: string }[] }>(
    'POST',
    '/api/v1/bulk/initialize',
    { configuration: 'initialized*' },
  );
  assert.deepEqual(
    bulk.body.items.map((i) => i.name),
    ['gis/initialized-2/@Initialize'],
  );
  assert.equal((await waitForEnd(bulk.body.items[0]!.runId!)).status, 'committed');
  for (let i = 0; i < 20; i++) {
    if ((await admin.request<Configuration>('GET', `/api/v1/configurations/${waiting.body.id}`)).body.validated) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(
    (await admin.request<Configuration>('GET', `/api/v1/configurations/${waiting.body.id}`)).body.validated,
    true,
    'validated after @Initialize',
  );
  assert.equal(completed.body.validated, true);
});

test('removing a configuration can clean up what its tasks created, reporting each task', async () => {
  const config = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'to-remove',
    attributes: { dir },
    tasks: [{ name: 'keep', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'removable' } }],
  });
  const batch = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: config.body.id,
    name: 'go',
    tasks: [config.body.tasks[0]!.id],
  });
  const run = await waitForEnd((await admin.request<Run>('POST', `/api/v1/batches/${batch.body.id}/run`)).body.id);
  assert.equal(run.status, 'committed');
  assert.ok(existsSync(path.join(dir, 'removable')));
  const removed = await admin.request<{ removed: boolean; cleaned: string[]; failed: unknown[] }>(
    'DELETE',
    `/api/v1/configurations/${config.body.id}?cleanup=true`,
  );
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.deepEqual(removed.body, { removed: true, cleaned: ['keep'], failed: [] });
  assert.equal(existsSync(path.join(dir, 'removable')), false);
  assert.equal((await admin.request('GET', `/api/v1/configurations/${config.body.id}`)).status, 404);
  assert.equal((await admin.request<Run>('GET', `/api/v1/runs/${run.id}`)).body.status, 'committed', 'history is kept');
});

test('bulk run: every matching batch, staggered; unrunnable ones reported', async () => {
  const result = await admin.request<{
    queued: number;
    items: { name: string; runId?: string; startsAt?: string; message?: string }[];
  }>('POST', '/api/v1/bulk/run', {
    workspace: 'gis',
    configuration: 'bulk-*',
    intervalSeconds: 1,
  });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.deepEqual(
    result.body.items.map((i) => i.name),
    ['gis/bulk-2/main'],
  );
  assert.equal(result.body.queued, 1);
  assert.equal((await waitForEnd(result.body.items[0]!.runId!)).status, 'committed');
  const templates = await admin.request<{ queued: number; items: { message?: string }[] }>('POST', '/api/v1/bulk/run', {
    configuration: 'marker-template',
  });
  assert.equal(templates.body.queued, 0);
  assert.match(templates.body.items[0]?.message ?? '', /templates do not run/);
  const bad = await admin.request<{ code: string }>('POST', '/api/v1/bulk/run', { intervalSeconds: -1 });
  assert.equal(bad.status, 400);
});

test('allowed values of an attribute come from the kinds of the parameters reading it', async () => {
  const config = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'with-db',
    tasks: [{ name: 'use', type: 'test.use-database', parameters: { database: '${db}', workspace: '${ws}' } }],
  });
  assert.deepEqual(
    config.body.attributes.map((a) => [a.name, a.kinds]),
    [
      ['db', ['database']],
      ['ws', ['workspace']],
    ],
  );
  const databases = await admin.request<{ values: string[] | null }>(
    'GET',
    `/api/v1/configurations/${config.body.id}/attributes/db/values`,
  );
  assert.deepEqual(databases.body.values, ['local']);
  const workspaces = await admin.request<{ values: string[] | null }>(
    'GET',
    `/api/v1/configurations/${config.body.id}/attributes/ws/values`,
  );
  assert.deepEqual(workspaces.body.values, ['gis']);
  assert.equal(
    (await admin.request('GET', `/api/v1/configurations/${config.body.id}/attributes/nope/values`)).status,
    404,
  );
});
