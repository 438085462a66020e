import type { Kysely } from 'kysely';

import type { Database } from '../../store/database.types.ts';
import type { TaskRunStatus } from './run-status.ts';

export interface LoadedTaskRun {
  id: string;
  taskId: string;
  taskName: string;
  type: string;
  position: number;
  status: TaskRunStatus;
  parameters: Record<string, string>;
  /** Attributes of the task's own configuration (independent batches mix configurations). */
  attributes: Record<string, string>;
}

/** The task runs of a batch run in batch order, with what each needs to run. */
export async function loadTaskRuns(db: Kysely<Database>, batchRunId: string): Promise<LoadedTaskRun[]> {
  const rows = await db
    .selectFrom('task_runs')
    .innerJoin('tasks', 'tasks.id', 'task_runs.task_id')
    .innerJoin('configurations', 'configurations.id', 'tasks.configuration_id')
    .select([
      'task_runs.id',
      'task_runs.task_id',
      'task_runs.position',
      'task_runs.status',
      'tasks.name',
      'tasks.type',
      'tasks.parameters',
      'configurations.attributes',
    ])
    .where('task_runs.batch_run_id', '=', batchRunId)
    .orderBy('task_runs.position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    taskId: r.task_id,
    taskName: r.name,
    type: r.type,
    position: r.position,
    status: r.status as TaskRunStatus,
    parameters: r.parameters as Record<string, string>,
    attributes: r.attributes as Record<string, string>,
  }));
}

export async function setTaskRun(
  db: Kysely<Database>,
  id: string,
  change: { status: TaskRunStatus; message?: string | null; started?: boolean; ended?: boolean },
): Promise<void> {
  await db
    .updateTable('task_runs')
    .set({
      status: change.status,
      ...(change.message !== undefined && { message: change.message?.slice(0, 10_000) ?? null }),
      ...(change.started && { started_at: new Date() }),
      ...(change.ended && { ended_at: new Date() }),
    })
    .where('id', '=', id)
    .execute();
}
