import type { Kysely } from 'kysely';

import type { Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';
import { workspaceLevel } from '../security/permissions.ts';
import type { Principal } from '../security/principal.ts';
import type { BatchesService } from './batches.service.ts';

export interface BulkRunFilter {
  /** Patterns with `*` as wildcard, matched against names; all optional. */
  workspace?: string;
  configuration?: string;
  batch?: string;
  /** Seconds before the first run starts. */
  delaySeconds: number;
  /** Seconds between the starts of two runs, to spread the load. */
  intervalSeconds: number;
}

export interface BulkRunResult {
  batchId: string;
  name: string;
  runId?: string;
  startsAt?: string;
  message?: string;
}

const toLike = (pattern: string) => pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');

/**
 * Runs every visible batch matching the patterns (the Task Manager's bulk run), staggered by
 * `intervalSeconds`. Batches the caller may not run, or that cannot run, are reported, not fatal.
 */
export async function bulkRun(
  db: Kysely<Database>,
  batches: BatchesService,
  principal: Principal,
  filter: BulkRunFilter,
  queueRun: (batchId: string, startAfter: Date) => Promise<string>,
  now: Date = new Date(),
): Promise<BulkRunResult[]> {
  const rows = await db
    .selectFrom('batches')
    .innerJoin('workspaces', 'workspaces.id', 'batches.workspace_id')
    .leftJoin('configurations', 'configurations.id', 'batches.configuration_id')
    .select([
      'batches.id',
      'batches.name',
      'batches.workspace_id',
      'workspaces.name as workspace',
      'configurations.name as configuration',
    ])
    .where('batches.removed_at', 'is', null)
    .where('batches.name', 'not like', '@%')
    .$if(filter.workspace !== undefined, (q) => q.where('workspaces.name', 'like', toLike(filter.workspace!)))
    .$if(filter.configuration !== undefined, (q) =>
      q.where('configurations.name', 'like', toLike(filter.configuration!)),
    )
    .$if(filter.batch !== undefined, (q) => q.where('batches.name', 'like', toLike(filter.batch!)))
    .orderBy('workspaces.name')
    .orderBy('configurations.name')
    .orderBy('batches.name')
    .execute();
  const results: BulkRunResult[] = [];
  let slot = 0;
  for (const row of await visibleTo(db, principal, rows)) {
    const name = [row.workspace, row.configuration, row.name].filter(Boolean).join('/');
    try {
      await batches.assertRunnable(principal, row.id);
      const startsAt = new Date(now.getTime() + (filter.delaySeconds + slot * filter.intervalSeconds) * 1000);
      const runId = await queueRun(row.id, startsAt);
      slot++;
      results.push({ batchId: row.id, name, runId, startsAt: startsAt.toISOString() });
    } catch (error) {
      results.push({ batchId: row.id, name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

/**
 * Starts the `@Initialize` batch of every configuration in init mode matching the patterns
 * (bulk initialize), staggered; each configuration is validated again when its run commits.
 */
export async function bulkInitialize(
  db: Kysely<Database>,
  batches: BatchesService,
  principal: Principal,
  filter: Omit<BulkRunFilter, 'batch'>,
  queueRun: (batchId: string, startAfter: Date) => Promise<string>,
  now: Date = new Date(),
): Promise<BulkRunResult[]> {
  const pending = await db
    .selectFrom('batches')
    .innerJoin('configurations', 'configurations.id', 'batches.configuration_id')
    .innerJoin('workspaces', 'workspaces.id', 'batches.workspace_id')
    .select([
      'batches.id',
      'batches.workspace_id',
      'configurations.name as configuration',
      'workspaces.name as workspace',
    ])
    .where('batches.name', '=', '@Initialize')
    .where('batches.removed_at', 'is', null)
    .where('configurations.template', '=', false)
    .where('configurations.removed_at', 'is', null)
    .$if(filter.workspace !== undefined, (q) => q.where('workspaces.name', 'like', toLike(filter.workspace!)))
    .$if(filter.configuration !== undefined, (q) =>
      q.where('configurations.name', 'like', toLike(filter.configuration!)),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('batch_runs')
            .select('batch_runs.id')
            .whereRef('batch_runs.batch_id', '=', 'batches.id')
            // Done, or still going (a save may have started it): either way not again.
            .where((run) =>
              run.or([run('batch_runs.status', '=', 'committed'), run('batch_runs.ended_at', 'is', null)]),
            ),
        ),
      ),
    )
    .orderBy('workspaces.name')
    .orderBy('configurations.name')
    .execute();
  const results: BulkRunResult[] = [];
  let slot = 0;
  for (const row of await visibleTo(db, principal, pending)) {
    const name = `${row.workspace}/${row.configuration}/@Initialize`;
    try {
      await batches.assertRunnable(principal, row.id);
      const startsAt = new Date(now.getTime() + (filter.delaySeconds + slot * filter.intervalSeconds) * 1000);
      results.push({
        batchId: row.id,
        name,
        runId: await queueRun(row.id, startsAt),
        startsAt: startsAt.toISOString(),
      });
      slot++;
    } catch (error) {
      // Started meanwhile by a save (one open @Initialize run per batch: migration 0005).
      const message = isUniqueViolation(error)
        ? 'Its @Initialize run is already queued or running'
        : error instanceof Error
          ? error.message
          : String(error);
      results.push({ batchId: row.id, name, message });
    }
  }
  return results;
}

/**
 * Only rows of workspaces the caller can see: the others are not reported at all (a refusal would
 * tell a stranger which configurations and batches exist there).
 */
async function visibleTo<R extends { workspace_id: string }>(
  db: Kysely<Database>,
  principal: Principal,
  rows: R[],
): Promise<R[]> {
  const levels = new Map<string, boolean>();
  const visible: R[] = [];
  for (const row of rows) {
    if (!levels.has(row.workspace_id)) {
      levels.set(row.workspace_id, (await workspaceLevel(db, principal, row.workspace_id)) !== null);
    }
    if (levels.get(row.workspace_id)) visible.push(row);
  }
  return visible;
}
