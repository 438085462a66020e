/**
 * CreateView through the real engine: after a task that staged a table (a CopyTable stand-in),
 * commit goes in reverse order (view first, then the table; the view follows the rename), and a
 * later failing task rolls both back.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { z } from 'zod';

import { createRun } from '../../src/engine/executor/create-run.ts';
import { createExecutor, type Executor } from '../../src/engine/executor/executor.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createViewTask } from '../../src/tasks/create-view/create-view.task.ts';
import { param } from '../../src/tasks/parameter.ts';
import { dropStaged, type StagedRelation, swapIn } from '../../src/tasks/sql/staging.ts';
import { createTaskTypeRegistry } from '../../src/tasks/task-registry.ts';
import type { StagedObject, TaskActionContext, TaskType } from '../../src/tasks/task-type.ts';
import {
  createBatch,
  createConfiguration,
  createWorkspace,
  type FixtureTask,
  taskStatuses,
} from '../engine/fixture.ts';
import { createTestPgDatabase, type TestPgDatabase } from '../helpers/pg-database.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { failTask } from './test-task-types.ts';
import {
  connectionsTo,
  DATABASE,
  labelsOf,
  leftoverTemps,
  relationExists,
  resetSchemas,
  stageCopiedTable,
} from './view-test-context.ts';

let database: TestDatabase;
let store: Store;
let db: TestPgDatabase;
let executor: Executor;
let workspaceId: string;
const journal: string[] = [];
/** Whether the final view existed when the copied table was committed (it must: reverse order). */
let viewFinalAtTableCommit: boolean | undefined;

const inSession = <T>(fn: (session: Parameters<typeof swapIn>[0]) => Promise<T>) =>
  db.withSession(fn, new AbortController().signal);

/** Stands in for CopyTable: stages a copied table the way it does (kind 'table', StagedRelation). */
const stagedCopyTask: TaskType = {
  type: 'test.staged-copy',
  title: 'Stage a copied table',
  description: 'CopyTable stand-in',
  capability: 'transactional',
  supportsCleanup: false,
  parameters: z.strictObject({ table: param.string(), rows: param.string() }),
  async run(params, ctx) {
    const object = await stageCopiedTable(
      db.pool,
      { schema: 'app', name: String(params.table) },
      String(params.rows).split(','),
    );
    await ctx.stage({ kind: object.kind, name: object.name, data: object.data });
    return {};
  },
  async commitStaged(object: StagedObject) {
    journal.push('commit:table');
    viewFinalAtTableCommit = await relationExists(db.pool, 'app', 'parcel_view');
    const staged = object.data as StagedRelation;
    await inSession((session) => swapIn(session, staged));
  },
  async rollbackStaged(object: StagedObject) {
    journal.push('rollback:table');
    const staged = object.data as StagedRelation;
    await inSession((session) => dropStaged(session, staged));
  },
};

const journaledViewTask: TaskType = {
  ...(createViewTask as unknown as TaskType),
  async commitStaged(object: StagedObject, ctx: TaskActionContext) {
    journal.push('commit:view');
    await createViewTask.commitStaged(object, ctx);
  },
  async rollbackStaged(object: StagedObject, ctx: TaskActionContext) {
    journal.push('rollback:view');
    await createViewTask.rollbackStaged(object, ctx);
  },
};

before(async () => {
  database = await createTestDatabase('cvengine');
  store = await openStore({ backend: 'postgres', url: database.url });
  await migrate(store.db);
  db = createTestPgDatabase(database.url, 'app');
  executor = createExecutor({
    db: store.db,
    taskTypes: createTaskTypeRegistry([stagedCopyTask, journaledViewTask, failTask]),
    services: { workDir: makeTempDir('gs-work-'), connections: connectionsTo(db) },
    logger: createLogger('silent'),
    nodeId: 'node-a',
    leaseMs: 2000,
    claimPollMs: 100,
    interruptPollMs: 200,
  });
  workspaceId = await createWorkspace(store.db);
});
after(async () => {
  await db?.close();
  await store?.close();
  await database?.drop();
});
beforeEach(async () => {
  journal.length = 0;
  viewFinalAtTableCommit = undefined;
  await resetSchemas(db.pool, ['app']);
  await db.pool.query(`CREATE TABLE app.parcels (id serial PRIMARY KEY, label text)`);
  await db.pool.query(`INSERT INTO app.parcels (label) VALUES ('old')`);
  await db.pool.query(`CREATE VIEW app.parcel_view AS SELECT label FROM app.parcels`);
});

async function runBatch(name: string, failing: boolean): Promise<{ runId: string; status: string | null }> {
  const tasks: FixtureTask[] = [
    { name: 'copy', type: 'test.staged-copy', parameters: { table: '${table}', rows: 'new1,new2' } },
    {
      name: 'view',
      type: 'CreateView',
      parameters: {
        database: '${database}',
        'view-name': 'parcel_view',
        'table-name': '${table}',
        'select-clause': 'label',
        'where-clause': "label <> 'x'",
      },
    },
    ...(failing ? [{ name: 'boom', type: 'test.fail', parameters: { message: 'later task failed' } }] : []),
  ];
  const config = await createConfiguration(store.db, workspaceId, name, tasks, {
    database: DATABASE,
    table: 'parcels',
  });
  const batchId = await createBatch(
    store.db,
    workspaceId,
    config.id,
    'main',
    tasks.map((t) => config.taskIds[t.name]!),
  );
  const runId = await createRun(store.db, { batchId, trigger: 'manual' });
  return { runId, status: await executor.execute(runId) };
}

test('copy then view: commit in reverse order, the view reads the new table under its final name', async () => {
  const { runId, status } = await runBatch('commits', false);
  assert.equal(status, 'committed');
  assert.deepEqual(journal, ['commit:view', 'commit:table']);
  assert.equal(viewFinalAtTableCommit, true, 'the view was swapped in before the table');
  assert.deepEqual(await taskStatuses(store.db, runId), ['committed', 'committed']);
  assert.deepEqual(await labelsOf(db.pool, 'app.parcel_view'), ['new1', 'new2']);
  assert.deepEqual(await labelsOf(db.pool, 'app.parcels'), ['new1', 'new2']);
  const { rows } = await db.pool.query<{ def: string }>(`SELECT pg_get_viewdef('app.parcel_view'::regclass) AS def`);
  assert.doesNotMatch(rows[0]!.def, /_temp_/);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('a later failing task rolls the view and the table back, in reverse order', async () => {
  const { runId, status } = await runBatch('rolls-back', true);
  assert.equal(status, 'failed');
  assert.deepEqual(journal, ['rollback:view', 'rollback:table']);
  assert.deepEqual(await taskStatuses(store.db, runId), ['rolled_back', 'rolled_back', 'failed']);
  assert.deepEqual(await labelsOf(db.pool, 'app.parcel_view'), ['old']);
  assert.deepEqual(await labelsOf(db.pool, 'app.parcels'), ['old']);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});
