/**
 * The orchestration CLI as a user runs it: real processes, --json output, exit codes (docs/cli.md).
 * `cli` is the real binary, which knows only the built-in task types (none yet), so the test tasks
 * show up there as unknown types; `withTasks` is the same program with the test task types
 * registered (geosync-with-test-tasks.ts), used to import runnable configurations and run batches.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { createTestGeosync, type TestGeosync } from '../helpers/geosync.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

const BIN = fileURLToPath(new URL('../../bin/geosync.js', import.meta.url));
const WITH_TASKS = fileURLToPath(new URL('./geosync-with-test-tasks.ts', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: <T = Record<string, unknown> & { error?: { code: string } }>() => T;
}
interface Configuration {
  id: string;
  name: string;
  template: boolean;
  validated: boolean;
  attributes: { name: string; required: boolean; missing: boolean }[];
  tasks: { name: string; type: string }[];
  batches: { id: string; name: string; enabled: boolean }[];
  problems: { code: string; location: string }[];
}
interface Batch {
  id: string;
  name: string;
  enabled: boolean;
  nextFires: string[];
}
interface Run {
  id: string;
  status: string;
  interruptRequested: boolean;
  tasks: { task: string; status: string; message: string | null }[];
}

let gs: TestGeosync;
let dir: string;
let files: string;
/** Batch ids, from the imports of the first test. */
const batches = { template: '', fails: '', slow: '' };

function start(args: string[], withTasks: boolean): ChildProcessWithoutNullStreams {
  const entry = withTasks ? ['--import', 'tsx', WITH_TASKS] : [BIN];
  return spawn(process.execPath, [...entry, ...args], {
    env: { PATH: process.env.PATH, GEOSYNC_DATA_DIR: gs.dataDir, GEOSYNC_STORE_URL: gs.ctx.config.store.url },
  });
}

function finish(child: ChildProcessWithoutNullStreams, stdin?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) as never }));
    child.stdin.end(stdin ?? '');
  });
}

const cli = (args: string[], stdin?: string) => finish(start(args, false), stdin);
const withTasks = (args: string[], stdin?: string) => finish(start(args, true), stdin);

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  for (const started = Date.now(); Date.now() - started < timeoutMs;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const TEMPLATE_YAML = `format: geosync.configuration
version: 1
name: marker-template
template: true
tasks:
  - name: mark
    type: test.create-marker
    parameters: { dir: "\${dir}", name: "\${marker}" }
batches:
  - name: main
    schedule: { kind: daily, time: "02:30" }
    timeZone: Europe/Brussels
    tasks: [mark]
`;

const failingDocument = () =>
  JSON.stringify({
    format: 'geosync.configuration',
    version: 1,
    name: 'failing',
    workspace: 'gis',
    attributes: { dir },
    tasks: [
      { name: 'mark', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'never' } },
      { name: 'boom', type: 'test.fail', parameters: { message: 'no disk' } },
      { name: 'wait', type: 'test.delay', parameters: { seconds: '60' } },
    ],
    batches: [
      { name: 'fails', tasks: ['mark', 'boom'] },
      { name: 'slow', tasks: ['mark', 'wait'] },
    ],
  });

/** A Task Manager export whose only task was removed there: imported with a warning. */
const TASKMANAGER_XML = `<?xml version="1.0" encoding="UTF-8"?>
<org.geoserver.taskmanager.data.impl.ConfigurationImpl>
  <name>tm-import</name>
  <attributes>
    <entry>
      <string>dir</string>
      <org.geoserver.taskmanager.data.impl.AttributeImpl>
        <name>dir</name>
        <value>/data</value>
        <configuration reference="../../../.."/>
      </org.geoserver.taskmanager.data.impl.AttributeImpl>
    </entry>
  </attributes>
  <tasks>
    <entry>
      <string>old-copy</string>
      <org.geoserver.taskmanager.data.impl.TaskImpl>
        <name>old-copy</name>
        <type>CopyFile</type>
        <removeStamp>1700000000000</removeStamp>
        <configuration reference="../../../.."/>
      </org.geoserver.taskmanager.data.impl.TaskImpl>
    </entry>
  </tasks>
</org.geoserver.taskmanager.data.impl.ConfigurationImpl>
`;

before(async () => {
  // In-process geosync on the same database: the store and workspaces (which have no CLI command yet).
  gs = await createTestGeosync({ backend: 'postgres', taskTypes: testTaskTypes });
  await gs.ctx.workspaces.create(CLI_PRINCIPAL, 'gis', '');
  await gs.ctx.workspaces.create(CLI_PRINCIPAL, 'other', '');
  for (const workspace of ['gis', 'other']) {
    await gs.ctx.configurations.create(CLI_PRINCIPAL, {
      workspace,
      name: 'twin',
      description: '',
      template: false,
      attributes: {},
      tasks: [],
    });
  }
  dir = makeTempDir('gs-cli-markers-');
  files = makeTempDir('gs-cli-files-');
  writeFileSync(path.join(files, 'template.yaml'), TEMPLATE_YAML);
  writeFileSync(path.join(files, 'tm.xml'), TASKMANAGER_XML);
  writeFileSync(path.join(files, 'broken.xml'), '<not-xml');
});
after(async () => {
  await gs?.close();
});

test('configuration import | list | show | validate | remove, and bad references', async () => {
  const template = await withTasks([
    'configuration',
    'import',
    path.join(files, 'template.yaml'),
    '--workspace',
    'gis',
    '--json',
  ]);
  assert.equal(template.code, 0, template.stderr);
  assert.equal(template.json<Configuration>().template, true);
  batches.template = template.json<Configuration>().batches[0]!.id;
  const failing = await withTasks(['configuration', 'import', '-', '--json'], failingDocument());
  assert.equal(failing.code, 0, failing.stderr);
  const imported = failing.json<Configuration>();
  assert.equal(imported.validated, true);
  assert.deepEqual(
    imported.batches.map((b) => [b.name, b.enabled]),
    [
      ['fails', false],
      ['slow', false],
    ],
    'imported batches start disabled',
  );
  batches.fails = imported.batches[0]!.id;
  batches.slow = imported.batches[1]!.id;

  const [missing, invalid, list, templates, shownTemplate, unknown, twin, validated] = await Promise.all([
    cli(['configuration', 'import', path.join(files, 'nope.yaml')]),
    cli(['configuration', 'import', '-', '--json'], 'format: nonsense\n'),
    cli(['configuration', 'list', '--workspace', 'gis', '--json']),
    cli(['template', 'list', '--json']),
    withTasks(['configuration', 'show', 'gis/marker-template', '--json']),
    cli(['configuration', 'show', 'gis/nope', '--json']),
    cli(['configuration', 'show', 'twin']),
    // The real binary knows no test task types: every task is a problem, printed with its location.
    cli(['configuration', 'validate', 'gis/failing']),
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml' does not exist/);
  assert.equal(invalid.code, 2);
  assert.equal(invalid.json().error?.code, 'invalid_document');
  assert.deepEqual(
    list.json<{ name: string }[]>().map((c) => c.name),
    ['failing', 'marker-template', 'twin'],
  );
  assert.deepEqual(
    templates.json<{ name: string }[]>().map((c) => c.name),
    ['marker-template'],
  );
  assert.deepEqual(
    shownTemplate.json<Configuration>().attributes.map((a) => [a.name, a.required, a.missing]),
    [
      ['dir', true, true],
      ['marker', true, true],
    ],
  );
  assert.equal(unknown.code, 3);
  assert.equal(unknown.json().error?.code, 'not_found');
  assert.equal(twin.code, 2);
  assert.match(twin.stderr, /gis\/twin, other\/twin/);
  assert.equal(validated.code, 6);
  assert.match(validated.stdout, /tasks\.boom: Unknown task type 'test\.fail'/);

  // Validating records the result: with the task types known again, it is valid (and may run).
  const revalidated = await withTasks(['configuration', 'validate', 'gis/failing', '--json']);
  assert.equal(revalidated.code, 0, revalidated.stdout);
  assert.deepEqual(revalidated.json<Configuration>().problems, []);
  const removed = await cli(['configuration', 'remove', 'other/twin', '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.json().name, 'twin');
});

test('configuration export | import round trip; Task Manager XML import', async () => {
  const yamlFile = path.join(files, 'failing.yaml');
  const [exported, toStdout, tm, broken] = await Promise.all([
    cli(['configuration', 'export', 'gis/failing', '--output', yamlFile, '--json']),
    cli(['configuration', 'export', 'gis/failing']),
    cli(['configuration', 'import-taskmanager', path.join(files, 'tm.xml'), '--workspace', 'gis', '--json']),
    cli(['configuration', 'import-taskmanager', path.join(files, 'broken.xml'), '--workspace', 'gis']),
  ]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.json().format, 'yaml');
  assert.match(readFileSync(yamlFile, 'utf8'), /^format: geosync\.configuration$/m);
  assert.equal(toStdout.json<{ name: string }>().name, 'failing');
  assert.equal(tm.code, 0, tm.stdout + tm.stderr);
  const imported = tm.json<{ configuration: Configuration; warnings: string[] }>();
  assert.equal(imported.configuration.name, 'tm-import');
  assert.deepEqual(imported.warnings, ["Task 'old-copy' was removed in Task Manager; skipped"]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /not well-formed/);

  const copy = await withTasks(['configuration', 'import', yamlFile, '--name', 'failing-copy', '--json']);
  assert.equal(copy.code, 0, copy.stderr);
  assert.deepEqual(
    copy.json<Configuration>().tasks.map((t) => t.name),
    ['mark', 'boom', 'wait'],
  );
});

test('configuration bulk-import: one configuration per row, a table of results, exit 6 if a row failed', async () => {
  const csv = `name,dir,marker\nbulk-1,${dir},one\nbulk-2,${dir},two\nbulk-1,${dir},dup\n`;
  const [result, header] = await Promise.all([
    withTasks(['configuration', 'bulk-import', '--template', 'gis/marker-template', '-'], csv),
    cli(['configuration', 'bulk-import', '--template', 'gis/marker-template', '-', '--json'], 'nom,dir\nx,y\n'),
  ]);
  assert.equal(result.code, 6, result.stderr);
  assert.match(result.stdout, /^3\s+bulk-2\s+true\s+true/m);
  assert.match(result.stdout, /Created 1, failed 2/);
  assert.equal(header.code, 2);
  assert.equal(header.json().error?.code, 'invalid_csv');
});

test('batch list | show | run: commits (exit 0), a failure rolls back (exit 6); run list | log | interrupt', async () => {
  const [bulk, shown, badId] = await Promise.all([
    cli(['batch', 'list', '--configuration', 'gis/bulk-2', '--json']),
    cli(['batch', 'show', batches.template]),
    cli(['batch', 'show', 'not-an-id']),
  ]);
  const [bulkBatch] = bulk.json<Batch[]>();
  assert.equal(bulkBatch?.enabled, false, 'imported batches start disabled');
  assert.equal(badId.code, 3);
  assert.match(shown.stdout, /every day at 02:30 \(Europe\/Brussels\)/);
  assert.match(shown.stdout, /Next fires:\n {2}\d{4}-/);

  const [ran, failed, ofTemplate] = await Promise.all([
    withTasks(['batch', 'run', bulkBatch.id]),
    withTasks(['batch', 'run', batches.fails, '--json']),
    cli(['batch', 'run', batches.template, '--json']),
  ]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(ran.stdout, /mark +committed/);
  assert.equal(readFileSync(path.join(dir, 'two'), 'utf8').length > 0, true);
  assert.equal(failed.code, 6);
  const run = failed.json<Run>();
  assert.deepEqual(
    run.tasks.map((t) => [t.task, t.status]),
    [
      ['mark', 'rolled_back'],
      ['boom', 'failed'],
    ],
  );
  assert.equal(existsSync(path.join(dir, 'never')), false);
  assert.equal(existsSync(path.join(dir, 'never.tmp')), false);
  assert.equal(run.tasks[1]?.message, 'no disk');
  assert.equal(ofTemplate.code, 2);
  assert.equal(ofTemplate.json().error?.code, 'template_batch');

  const [listed, log, ended, badStatus] = await Promise.all([
    cli(['run', 'list', '--batch', batches.fails, '--json']),
    cli(['run', 'log', run.id]),
    cli(['run', 'interrupt', run.id, '--json']),
    cli(['run', 'list', '--status', 'bogus']),
  ]);
  assert.deepEqual(
    listed.json<Run[]>().map((r) => [r.id, r.status]),
    [[run.id, 'failed']],
  );
  assert.match(log.stdout, /error \[boom\] boom failed: no disk/);
  assert.equal(ended.code, 4);
  assert.equal(ended.json().error?.code, 'run_ended');
  assert.equal(badStatus.code, 2);
});

test('Ctrl-C stops a running batch and rolls it back; so does run interrupt from another process', async () => {
  const openRun = () =>
    gs.ctx.runs
      .list(CLI_PRINCIPAL, { limit: 1, offset: 0, batch: batches.slow })
      .then((page) => (page.items[0]?.tasks[1]?.status === 'running' ? page.items[0] : undefined));

  const child = start(['batch', 'run', batches.slow], true);
  const done = finish(child);
  await until(openRun, 'the delay task to run');
  const busy = await cli(['batch', 'run', batches.slow, '--json']);
  assert.equal(busy.code, 4, 'one run of a batch at a time');
  assert.equal(busy.json().error?.code, 'batch_running');
  const asked = Date.now();
  child.kill('SIGINT');
  const interrupted = await done;
  assert.ok(Date.now() - asked < 3000, `stopped in ${Date.now() - asked} ms`);
  assert.equal(interrupted.code, 6, interrupted.stderr);
  assert.match(interrupted.stderr, /Interrupting/);
  const runId = /Run (\S+) started/.exec(interrupted.stdout)![1]!;
  const shown = (await cli(['run', 'show', runId, '--json'])).json<Run>();
  assert.equal(shown.interruptRequested, true);
  assert.deepEqual(
    shown.tasks.map((t) => [t.task, t.status]),
    [
      ['mark', 'rolled_back'],
      ['wait', 'failed'],
    ],
  );

  const second = withTasks(['batch', 'run', batches.slow, '--json']);
  const running = await until(openRun, 'the second run');
  const stop = await cli(['run', 'interrupt', running.id, '--json']);
  assert.equal(stop.code, 0, stop.stderr);
  const result = await second;
  assert.equal(result.code, 6);
  assert.equal(result.json<Run>().tasks[1]?.message, 'Interrupted');
  assert.equal(existsSync(path.join(dir, 'never')), false);
});
