/** CopyFile run by the real executor on a real store: ledger, commit order, rollback after a failure. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { createBatch, createConfiguration, createWorkspace, taskStatuses } from '../../../test/engine/fixture.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import { makeTempDir } from '../../../test/helpers/temp-dir.ts';
import { failTask } from '../../../test/tasks/test-task-types.ts';
import { builtinConnectorTypes } from '../../connectors/builtin.ts';
import { type FileService, isFileService } from '../../connectors/file-service.ts';
import { createRun } from '../../engine/executor/create-run.ts';
import { createExecutor, type Executor } from '../../engine/executor/executor.ts';
import { createLogger } from '../../lib/logger.ts';
import { migrate } from '../../store/migrate.ts';
import { openStore, type Store } from '../../store/store.ts';
import { createTaskTypeRegistry } from '../task-registry.ts';
import type { TaskConnections } from '../task-type.ts';
import { copyFileTask } from './copy-file.task.ts';

let database: TestDatabase;
let store: Store;
let executor: Executor;
let workspaceId: string;
const roots: Record<string, string> = {};

/** File services by name, each a real local-files service on its own temp folder. */
function localConnections(): TaskConnections {
  const services = new Map<string, FileService>();
  const type = builtinConnectorTypes.find((t) => t.type === 'local-files')!;
  for (const name of ['incoming', 'published']) {
    roots[name] = makeTempDir(`gs-${name}-`);
    const connector = type.create({ root: roots[name], createRoot: true }, { dataDir: roots[name] });
    assert.ok(isFileService(connector));
    services.set(name, connector);
  }
  const none = (name: string) => Promise.reject(new Error(`no database '${name}' in this test`));
  return {
    fileService: async (name) => {
      const found = services.get(name);
      if (!found) throw new Error(`no file service '${name}'`);
      return found;
    },
    database: none,
    postgres: none,
    localMapServer: 'local',
    mapServer: none,
  };
}

before(async () => {
  database = await createTestDatabase('copyfile');
  store = await openStore({ backend: 'postgres', url: database.url });
  await migrate(store.db);
  executor = createExecutor({
    db: store.db,
    taskTypes: createTaskTypeRegistry([copyFileTask, failTask]),
    services: { workDir: makeTempDir('gs-work-'), connections: localConnections() },
    logger: createLogger('silent'),
    nodeId: 'node-a',
  });
  workspaceId = await createWorkspace(store.db);
});
after(async () => {
  await store?.close();
  await database?.drop();
});

const put = (service: string, file: string, content: string) => {
  mkdirSync(path.dirname(path.join(roots[service]!, file)), { recursive: true });
  writeFileSync(path.join(roots[service]!, file), content);
};
const files = (service: string, dir = '') => readdirSync(path.join(roots[service]!, dir)).sort();
const copy = (name: string, targetPath: string) => ({
  name,
  type: 'CopyFile',
  parameters: {
    sourceService: 'incoming',
    sourcePath: '${source}',
    targetService: 'published',
    targetPath,
  },
});

async function runBatch(
  name: string,
  tasks: ReturnType<typeof copy>[] | { name: string; type: string; parameters: Record<string, string> }[],
) {
  const config = await createConfiguration(store.db, workspaceId, name, tasks, { source: 'drop/roads.tif' });
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

test('a batch of two copies commits: the versioned one replaces its previous version, the other its file', async () => {
  put('incoming', 'drop/roads.tif', 'new roads');
  put('published', 'v/roads.3.tif', 'old version');
  put('published', 'roads.tif', 'old roads');
  const { runId, status } = await runBatch('commits', [
    copy('versioned', 'v/roads.###.tif'),
    copy('plain', 'roads.tif'),
  ]);
  assert.equal(status, 'committed');
  assert.deepEqual(await taskStatuses(store.db, runId), ['committed', 'committed']);
  assert.deepEqual(files('published', 'v'), ['roads.4.tif']);
  assert.equal(readFileSync(path.join(roots.published!, 'v/roads.4.tif'), 'utf8'), 'new roads');
  assert.equal(readFileSync(path.join(roots.published!, 'roads.tif'), 'utf8'), 'new roads');
  assert.deepEqual(files('published'), ['roads.tif', 'v'], 'no staged copy left behind');
  const rows = await store.db
    .selectFrom('task_runs')
    .select(['message', 'progress'])
    .where('batch_run_id', '=', runId)
    .orderBy('position')
    .execute();
  assert.match(rows[0]!.message ?? '', /copied 9 bytes from incoming:drop\/roads.tif to published:v\/roads.4.tif/);
  assert.deepEqual((({ done, total, unit }) => ({ done, total, unit }))(rows[1]!.progress as Record<string, unknown>), {
    done: 9,
    total: 9,
    unit: 'bytes',
  });
  const staged = await store.db.selectFrom('staged_objects').select(['name', 'state']).execute();
  assert.deepEqual(staged.map((s) => `${s.name}=${s.state}`).sort(), [
    'published:roads.tif=committed',
    'published:v/roads.4.tif=committed',
  ]);
});

test('a later failure rolls the copies back: old files as they were, no new version, no staged copy', async () => {
  put('incoming', 'drop/roads.tif', 'newer roads');
  const before = { v: files('published', 'v'), plain: readFileSync(path.join(roots.published!, 'roads.tif'), 'utf8') };
  const { runId, status } = await runBatch('rolls-back', [
    copy('versioned', 'v/roads.###.tif'),
    copy('plain', 'roads.tif'),
    { name: 'boom', type: 'test.fail', parameters: { message: 'publication failed' } },
  ]);
  assert.equal(status, 'failed');
  assert.deepEqual(await taskStatuses(store.db, runId), ['rolled_back', 'rolled_back', 'failed']);
  assert.deepEqual(files('published', 'v'), before.v);
  assert.equal(readFileSync(path.join(roots.published!, 'roads.tif'), 'utf8'), before.plain);
  assert.deepEqual(files('published'), ['roads.tif', 'v']);
});

test('a missing source fails the task with a message naming the file and the service', async () => {
  const { runId, status } = await runBatch('missing', [
    { ...copy('plain', 'x.tif'), parameters: { ...copy('plain', 'x.tif').parameters, sourcePath: 'drop/none.tif' } },
  ]);
  assert.equal(status, 'failed');
  const row = await store.db
    .selectFrom('task_runs')
    .select('message')
    .where('batch_run_id', '=', runId)
    .executeTakeFirstOrThrow();
  assert.equal(row.message, "Source file 'drop/none.tif' does not exist on file service 'incoming'");
});
