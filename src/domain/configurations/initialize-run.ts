import type { Kysely } from 'kysely';

import type { Configuration } from '../../contracts/configurations.dto.ts';
import type { Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';

/**
 * Starts a configuration's `@Initialize` batch when it is due, as the Task Manager does on every
 * save in init mode: the configuration waits for it (`initializeBatchId` set), the values the
 * batch reads are complete (no problems: only `@Initialize` tasks are checked in init mode), and
 * no run of it is already queued or running (a second one would only repeat the first).
 * Returns the queued run's id, or undefined when nothing was started.
 *
 * Two saves racing between the check and the queueing: the store's unique index on open
 * `initialize` runs (migration 0005) refuses the second, which then starts nothing.
 */
export async function startInitializeIfDue(
  db: Kysely<Database>,
  configuration: Pick<Configuration, 'initializeBatchId' | 'problems'>,
  queueRun: (batchId: string) => Promise<string>,
): Promise<string | undefined> {
  const batchId = configuration.initializeBatchId;
  if (!batchId || configuration.problems.length > 0) return undefined;
  const open = await db
    .selectFrom('batch_runs')
    .select('id')
    .where('batch_id', '=', batchId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  if (open) return undefined;
  try {
    return await queueRun(batchId);
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
}
