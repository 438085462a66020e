import { z } from 'zod';

import { conflict } from '../../errors/errors.ts';
import { commitMarker, stagedEarlier, stageMarker } from '../dbsync-common/dbsync-marker.ts';
import { checkNode, distinctConnections, invalidParameter, taskDeps } from '../dbsync-common/dbsync-task-context.ts';
import { param } from '../parameter.ts';
import type { TaskRunContext, TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'central-database': param.database('The central database'),
  'clone-database': param.database('The clone database (deployed from a package of the central)'),
  'batch-changes': param.integer('Changes per batch (default: the dbsync.batchChanges setting)').optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Central and clone as a sync needs them, read only; a node an earlier task of the run installs,
 * prepares or deploys is checked by that task (and made so first at commit).
 */
export async function checkPair(ctx: TaskRunContext, central: string, clone: string): Promise<void> {
  distinctConnections(central, clone);
  const { connections } = taskDeps(ctx);
  const centralDb = await connections.database(central);
  const cloneDb = await connections.database(clone);
  const centralStaged = stagedEarlier(ctx, 'install', central) ?? stagedEarlier(ctx, 'prepare', central);
  const centralMeta = centralStaged ? undefined : await checkNode(centralDb, 'central', central, ctx.signal);
  const cloneMeta = stagedEarlier(ctx, 'deploy', clone)
    ? undefined
    : await checkNode(cloneDb, 'clone', clone, ctx.signal);
  if (centralMeta && cloneMeta && cloneMeta.centralId !== centralMeta.nodeId) {
    throw conflict('dbsync_wrong_central', `Clone '${clone}' was deployed from another central than '${central}'`);
  }
}

/**
 * Two-way sync of a clone with its central (LizSync's "Two-way database synchronization"):
 * central → clone, clone → central, then what the central computed. Irreversible: run checks
 * both nodes, commit syncs (each batch commits with its bookkeeping, so a repeat resumes). The
 * counts and conflicts go to the run log.
 */
export const dbSyncTask: TaskType<Parameters> = {
  type: 'DbSync',
  title: 'Sync a clone database with its central',
  description:
    'Two-way sync of a clone with its central database, when the run commits; counts and conflicts in the run log',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const central = params['central-database'];
    const clone = params['clone-database'];
    const batchChanges = params['batch-changes'];
    if (batchChanges !== undefined && (batchChanges < 1 || batchChanges > 1_000_000)) {
      throw invalidParameter('batch-changes', 'must be 1 to 1000000');
    }
    await checkPair(ctx, central, clone);
    await stageMarker(ctx, clone, { op: 'sync', central, clone, ...(batchChanges !== undefined && { batchChanges }) }, [
      ['install', central],
      ['prepare', central],
      ['deploy', clone],
    ]);
    return { message: `${clone} will be synced with ${central} on commit` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
