import type { Kysely } from 'kysely';

import type { Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';

/**
 * Cluster-wide: a task runs or commits in one run at a time. The claim is a row keyed by task
 * id; the primary key makes the second claimant fail atomically (no check-then-insert race).
 */
export function createTaskClaims(db: Kysely<Database>, pollMs = 500) {
  async function tryClaim(taskId: string, taskRunId: string): Promise<boolean> {
    try {
      await db.insertInto('task_claims').values({ task_id: taskId, task_run_id: taskRunId }).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  return {
    /** Waits until the task is free (or `signal` aborts: returns false). `onWait` is told once. */
    async claim(taskId: string, taskRunId: string, signal: AbortSignal, onWait?: () => void): Promise<boolean> {
      let told = false;
      while (!signal.aborted) {
        if (await tryClaim(taskId, taskRunId)) return true;
        if (!told) onWait?.();
        told = true;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      return false;
    },

    async release(taskId: string, taskRunId: string): Promise<void> {
      await db.deleteFrom('task_claims').where('task_id', '=', taskId).where('task_run_id', '=', taskRunId).execute();
    },
  };
}

export type TaskClaims = ReturnType<typeof createTaskClaims>;
