import type { Kysely } from 'kysely';

import type { Database } from '../../store/database.types.ts';
import type { StagedObject } from '../../tasks/task-type.ts';

export type StagedState = 'staged' | 'committed' | 'rolled_back' | 'failed';

/**
 * The staged-object ledger. A row is written before the task creates the object, so after a
 * crash recovery finds every object that may exist, and the task type's commit/rollback (both
 * idempotent) can finish the job.
 */
export function createLedger(db: Kysely<Database>) {
  return {
    async record(taskRunId: string, seq: number, object: Omit<StagedObject, 'id'>): Promise<StagedObject> {
      const row = await db
        .insertInto('staged_objects')
        .values({
          task_run_id: taskRunId,
          seq,
          kind: object.kind,
          name: object.name,
          data: JSON.stringify(object.data),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: row.id, ...object };
    },

    /** Objects of a task run still waiting for commit or rollback, in creation order. */
    async pending(taskRunId: string): Promise<StagedObject[]> {
      const rows = await db
        .selectFrom('staged_objects')
        .select(['id', 'kind', 'name', 'data'])
        .where('task_run_id', '=', taskRunId)
        .where('state', '=', 'staged')
        .orderBy('seq')
        .execute();
      return rows;
    },

    async mark(id: string, state: StagedState, error?: string): Promise<void> {
      await db
        .updateTable('staged_objects')
        .set({ state, error: error ?? null })
        .where('id', '=', id)
        .execute();
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
