import type { Kysely } from 'kysely';

import type { Database } from '../../store/database.types.ts';
import type { RunReport } from './run-report.ts';

export async function loadRunReport(db: Kysely<Database>, runId: string): Promise<RunReport> {
  const run = await db
    .selectFrom('batch_runs')
    .innerJoin('batches', 'batches.id', 'batch_runs.batch_id')
    .select([
      'batch_runs.id',
      'batch_runs.batch_id',
      'batches.name',
      'batch_runs.status',
      'batch_runs.trigger',
      'batch_runs.started_at',
      'batch_runs.ended_at',
      'batch_runs.message',
    ])
    .where('batch_runs.id', '=', runId)
    .executeTakeFirstOrThrow();
  const tasks = await db
    .selectFrom('task_runs')
    .innerJoin('tasks', 'tasks.id', 'task_runs.task_id')
    .select(['tasks.name', 'task_runs.status', 'task_runs.message'])
    .where('batch_run_id', '=', runId)
    .orderBy('task_runs.position')
    .execute();
  return {
    runId: run.id,
    batchId: run.batch_id,
    batch: run.name,
    status: run.status,
    trigger: run.trigger,
    startedAt: new Date(run.started_at).toISOString(),
    endedAt: run.ended_at ? new Date(run.ended_at).toISOString() : null,
    message: run.message,
    tasks: tasks.map((t) => ({ task: t.name, status: t.status, message: t.message })),
  };
}
