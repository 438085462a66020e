import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import { createRun } from '../../src/engine/executor/create-run.ts';
import { createExecutor, type Executor } from '../../src/engine/executor/executor.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTaskTypeRegistry } from '../../src/tasks/task-registry.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { journal, testTaskTypes, noTaskConnections } from '../tasks/test-task-types.ts';
import { createBatch, createConfiguration, createWorkspace, taskStatuses } from './fixture.ts';

let database: TestDatabase;
let store: Store;
let executor: Executor;
let workspaceId: string;
let dir: string;

const marker = (name: string) => ({ name, type: 'test.create-marker', parameters: { dir: '${dir}', name } });

before(async () => {
  database = await createTestDatabase('exec');
  store = await openStore({ backend: 'postgres', url: database.url });
  await migrate(store.db);
  executor = createExecutor({
    db: store.db,
    taskTypes: createTaskTypeRegistry(testTaskTypes),
    services: { workDir: makeTempDir('gs-work-'), connections: noTaskConnections },
    logger: createLogger('silent'),
    nodeId: 'node-a',
    leaseMs: 2000,
    claimPollMs: 100,
    interruptPollMs: 200,
  });
  workspaceId = await createWorkspace(store.db);
});
after(async () => {
  await store?.close();
  await database?.drop();
});
beforeEach(() => {
  journal.length = 0;
  dir = makeTempDir('gs-markers-');
});

async function batchOf(name: string, tasks: { name: string; type: string; parameters: Record<string, string> }[]) {
  const config = await createConfiguration(store.db, workspaceId, name, tasks, { dir });
  return createBatch(
    store.db,
    workspaceId,
    config.id,
    'main',
    tasks.map((t) => config.taskIds[t.name]!),
  );
}

test('all tasks succeed: commit in reverse order, markers in place, nothing left staged', async () => {
  const batchId = await batchOf('ok', [marker('a'), marker('b'), marker('c')]);
  const runId = await createRun(store.db, { batchId, trigger: 'manual' });
  assert.equal(await executor.execute(runId), 'committed');
  assert.deepEqual(journal, ['commit:c', 'commit:b', 'commit:a']);
  assert.deepEqual(readdirSync(dir).sort(), ['a', 'b', 'c']);
  assert.deepEqual(await taskStatuses(store.db, runId), ['committed', 'committed', 'committed']);
  const staged = await store.db.selectFrom('staged_objects').select('state').where('state', '=', 'staged').execute();
  assert.equal(staged.length, 0);
});

test('a failure rolls back the succeeded tasks in reverse order and skips the rest', async () => {
  const batchId = await batchOf('fails', [
    marker('a'),
    marker('b'),
    { name: 'boom', type: 'test.fail', parameters: { message: 'disk on fire' } },
    marker('d'),
  ]);
  const runId = await createRun(store.db, { batchId, trigger: 'manual' });
  assert.equal(await executor.execute(runId), 'failed');
  assert.deepEqual(journal, ['rollback:b', 'rollback:a']);
  assert.deepEqual(await taskStatuses(store.db, runId), ['rolled_back', 'rolled_back', 'failed', 'skipped']);
  assert.deepEqual(readdirSync(dir), [], 'nothing left behind');
  const failed = await store.db
    .selectFrom('task_runs')
    .select('message')
    .where('batch_run_id', '=', runId)
    .where('status', '=', 'failed')
    .executeTakeFirstOrThrow();
  assert.equal(failed.message, 'disk on fire');
});

test('a commit failure is reported on its task; the other tasks still commit', async () => {
  const batchId = await batchOf('commit-fails', [
    marker('a'),
    { name: 'bad', type: 'test.fail-commit', parameters: { name: 'x' } },
    marker('c'),
  ]);
  const runId = await createRun(store.db, { batchId, trigger: 'manual' });
  assert.equal(await executor.execute(runId), 'not_committed');
  assert.deepEqual(journal, ['commit:c', 'commit-fail:x', 'commit:a']);
  assert.deepEqual(await taskStatuses(store.db, runId), ['committed', 'not_committed', 'committed']);
});

test('invalid parameters fail the task with the validation problem', async () => {
  const batchId = await batchOf('invalid', [
    marker('a'),
    { name: 'wait', type: 'test.delay', parameters: { seconds: 'soon' } },
  ]);
  const runId = await createRun(store.db, { batchId, trigger: 'manual' });
  assert.equal(await executor.execute(runId), 'failed');
  const rows = await store.db
    .selectFrom('task_runs')
    .select(['status', 'message'])
    .where('batch_run_id', '=', runId)
    .orderBy('position')
    .execute();
  assert.equal(rows[0]?.status, 'rolled_back');
  assert.match(rows[1]?.message ?? '', /validation errors: seconds/);
});

test('an interrupt reaches a 60 s task within 2 s and the run rolls back', async () => {
  const batchId = await batchOf('interrupt', [
    marker('a'),
    { name: 'wait', type: 'test.delay', parameters: { seconds: '60' } },
  ]);
  const runId = await createRun(store.db, { batchId, trigger: 'manual' });
  const running = executor.execute(runId);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const asked = performance.now();
  assert.equal(await executor.requestInterrupt(runId), true);
  const status = await running;
  const took = performance.now() - asked;
  assert.ok(took < 2000, `stopped after ${took.toFixed(0)} ms`);
  assert.deepEqual(await taskStatuses(store.db, runId), ['rolled_back', 'failed']);
  assert.equal(status, 'failed');
  assert.equal(existsSync(path.join(dir, 'a.tmp')), false);
  const run = await store.db
    .selectFrom('batch_runs')
    .select('message')
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  assert.equal(run.message, 'Interrupted');
});

test('the same task never runs in two runs at once', async () => {
  const config = await createConfiguration(store.db, workspaceId, 'shared', [
    { name: 'slow', type: 'test.create-marker', parameters: { dir, name: 's', waitSeconds: '1' } },
  ]);
  const one = await createBatch(store.db, workspaceId, config.id, 'one', [config.taskIds.slow!]);
  const two = await createBatch(store.db, workspaceId, config.id, 'two', [config.taskIds.slow!]);
  const [runOne, runTwo] = [
    await createRun(store.db, { batchId: one, trigger: 'manual' }),
    await createRun(store.db, { batchId: two, trigger: 'manual' }),
  ];
  const started = performance.now();
  const results = await Promise.all([executor.execute(runOne), executor.execute(runTwo)]);
  const took = performance.now() - started;
  assert.deepEqual(results, ['committed', 'committed']);
  assert.ok(took >= 2000, `ran one after the other (${took.toFixed(0)} ms)`);
  const waited = await store.db.selectFrom('run_log').select('message').where('message', 'like', 'waiting:%').execute();
  assert.equal(waited.length, 1);
});

test('a run held by a live node is not taken; an expired lease is recovered by rollback', async () => {
  const batchId = await batchOf('crash', [marker('a'), marker('b')]);
  const runId = await createRun(store.db, { batchId, trigger: 'manual' });
  // Simulate a node that died after task a ran and task b staged its marker.
  const taskRuns = await store.db
    .selectFrom('task_runs')
    .select(['id', 'position'])
    .where('batch_run_id', '=', runId)
    .orderBy('position')
    .execute();
  await store.db
    .updateTable('batch_runs')
    .set({ status: 'running', node_id: 'node-dead', lease_expires_at: new Date(Date.now() + 60_000) })
    .where('id', '=', runId)
    .execute();
  await store.db
    .updateTable('task_runs')
    .set({ status: 'ready_to_commit' })
    .where('id', '=', taskRuns[0]!.id)
    .execute();
  await store.db.updateTable('task_runs').set({ status: 'running' }).where('id', '=', taskRuns[1]!.id).execute();
  const { writeFileSync } = await import('node:fs');
  for (const [i, name] of ['a', 'b'].entries()) {
    await executor.ledger.record(taskRuns[i]!.id, 1, {
      kind: 'marker',
      name: path.join(dir, name),
      data: { temp: path.join(dir, `${name}.tmp`) },
    });
    writeFileSync(path.join(dir, `${name}.tmp`), 'x');
  }
  assert.equal(await executor.recover(runId), null, 'the live lease is respected');
  assert.deepEqual(await executor.expiredRuns(), []);
  await store.db
    .updateTable('batch_runs')
    .set({ lease_expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', runId)
    .execute();
  assert.deepEqual(await executor.expiredRuns(), [runId]);
  assert.equal(await executor.recover(runId), 'failed');
  assert.deepEqual(await taskStatuses(store.db, runId), ['rolled_back', 'failed']);
  assert.deepEqual(readdirSync(dir), [], 'recovery removed both staged markers');
});
