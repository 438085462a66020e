import type { Kysely, Transaction } from 'kysely';

import { notFound, UserError } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { withTransaction } from '../../store/store.ts';

export interface NewRun {
  batchId: string;
  trigger: 'schedule' | 'manual' | 'initialize' | 'bulk' | 'misfire';
  fireTime?: Date;
  startedBy?: string;
}

/** Records a queued batch run with one pending task run per batch element, in order. */
export function createRun(db: Kysely<Database>, run: NewRun): Promise<string> {
  return withTransaction(db, (trx) => insertRun(trx, run));
}

/** createRun inside a transaction the caller holds (the scheduler's fire claim). */
export async function insertRun(trx: Transaction<Database>, run: NewRun): Promise<string> {
  const batch = await trx
    .selectFrom('batches')
    .select(['id', 'name'])
    .where('id', '=', run.batchId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (!batch) throw notFound('Batch', run.batchId);
  const elements = await trx
    .selectFrom('batch_elements')
    .innerJoin('tasks', 'tasks.id', 'batch_elements.task_id')
    .select(['batch_elements.task_id', 'batch_elements.position', 'tasks.removed_at'])
    .where('batch_id', '=', run.batchId)
    .orderBy('batch_elements.position')
    .execute();
  if (elements.length === 0) throw new UserError('empty_batch', `Batch '${batch.name}' has no tasks`);
  if (elements.some((e) => e.removed_at)) {
    throw new UserError('removed_task', `Batch '${batch.name}' holds a removed task`);
  }
  const created = await trx
    .insertInto('batch_runs')
    .values({
      batch_id: run.batchId,
      trigger: run.trigger,
      fire_time: run.fireTime ?? null,
      started_by: run.startedBy ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('task_runs')
    .values(elements.map((e, i) => ({ batch_run_id: created.id, task_id: e.task_id, position: i })))
    .execute();
  return created.id;
}
