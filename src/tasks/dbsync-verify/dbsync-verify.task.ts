import { z } from 'zod';

import { commitMarker, stageMarker } from '../dbsync-common/dbsync-marker.ts';
import { checkPair } from '../dbsync-sync/dbsync-sync.task.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'central-database': param.database('The central database'),
  'clone-database': param.database('The clone database'),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Compares a clone with its central table by table (row hashes of the shipped columns).
 * Irreversible like the sync it checks: run checks both nodes, commit compares, and a difference
 * fails the commit (`dbsync_clone_differs`, with the counts per table). After a DbSync of the same
 * clone in the batch, commit syncs first (commits go in reverse order).
 */
export const dbSyncVerifyTask: TaskType<Parameters> = {
  type: 'DbSyncVerify',
  title: 'Verify a clone database against its central',
  description:
    'Compares every synced table of a clone and its central by row hashes when the run commits; fails on a difference',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const central = params['central-database'];
    const clone = params['clone-database'];
    await checkPair(ctx, central, clone);
    await stageMarker(ctx, clone, { op: 'verify', central, clone }, [
      ['install', central],
      ['prepare', central],
      ['deploy', clone],
      ['sync', clone],
    ]);
    return { message: `${clone} will be compared with ${central} on commit` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
