/** A run recorded as queued whose job never reached the queue is picked up again by the engine. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { createRun } from '../../src/engine/executor/create-run.ts';
import { createTestGeosync, type TestGeosync } from '../helpers/geosync.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

let geosync: TestGeosync;

before(async () => {
  geosync = await createTestGeosync({ taskTypes: testTaskTypes, engine: true });
});
after(async () => {
  await geosync?.close();
});

test('a queued run older than a minute without a job is enqueued again and runs', async () => {
  const { ctx } = geosync;
  await ctx.workspaces.create(CLI_PRINCIPAL, 'requeue', '');
  const config = await ctx.configurations.create(CLI_PRINCIPAL, {
    workspace: 'requeue',
    name: 'lost',
    description: '',
    template: false,
    attributes: {},
    tasks: [{ name: 'wait', type: 'test.delay', parameters: { seconds: '0' } }],
  });
  const batch = await ctx.batches.create(CLI_PRINCIPAL, {
    workspace: 'requeue',
    configuration: config.id,
    name: 'b',
    tasks: [config.tasks[0]!.id],
  });
  // As if the node died right after recording the run: no job was ever enqueued.
  const runId = await createRun(ctx.db, { batchId: batch.id, trigger: 'manual' });
  await ctx.db
    .updateTable('batch_runs')
    .set({ started_at: new Date(Date.now() - 120_000) })
    .where('id', '=', runId)
    .execute();
  let status = 'queued';
  for (let i = 0; i < 100 && ['queued', 'running'].includes(status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    status = (await ctx.db.selectFrom('batch_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow())
      .status;
  }
  assert.equal(status, 'committed');
});
