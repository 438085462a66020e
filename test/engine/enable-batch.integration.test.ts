/** Enabling a batch schedules it from that moment: no catch-up run for the time it was off. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { claimDueFires } from '../../src/engine/scheduler/schedule-loop.ts';
import { createTestGeosync, type TestGeosync } from '../helpers/geosync.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';

let geosync: TestGeosync;

before(async () => {
  geosync = await createTestGeosync({ taskTypes: testTaskTypes });
});
after(async () => {
  await geosync?.close();
});

test('a batch off for days fires at its next time after being enabled, not at once', async () => {
  const { ctx } = geosync;
  await ctx.workspaces.create(CLI_PRINCIPAL, 'sched', '');
  const config = await ctx.configurations.create(CLI_PRINCIPAL, {
    workspace: 'sched',
    name: 'nightly',
    description: '',
    template: false,
    attributes: {},
    tasks: [{ name: 'wait', type: 'test.delay', parameters: { seconds: '0' } }],
  });
  assert.equal(config.validated, true);
  const batch = await ctx.batches.create(CLI_PRINCIPAL, {
    workspace: 'sched',
    configuration: config.id,
    name: 'every-minute',
    enabled: false,
    tasks: [config.tasks[0]!.id],
    schedule: { kind: 'cron', expression: '0 * * * * ?' },
  });
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
  await ctx.db.updateTable('batches').set({ last_fire_at: threeDaysAgo }).where('id', '=', batch.id).execute();
  const logger = createLogger('silent');
  assert.deepEqual(await claimDueFires(ctx.db, new Date(), logger), [], 'disabled: nothing');
  await ctx.batches.update(CLI_PRINCIPAL, batch.id, { enabled: true });
  assert.deepEqual(await claimDueFires(ctx.db, new Date(), logger), [], 'no catch-up for the time it was off');
  const fires = await claimDueFires(ctx.db, new Date(Date.now() + 61_000), logger);
  assert.deepEqual(
    fires.map((f) => [f.batchId, f.trigger]),
    [[batch.id, 'schedule']],
  );
});
