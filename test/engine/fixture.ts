/** Inserts configurations, tasks and batches directly, for engine tests. */
import type { Kysely } from 'kysely';

import type { Database } from '../../src/store/database.types.ts';

export async function createWorkspace(db: Kysely<Database>, name = 'engine'): Promise<string> {
  const row = await db.insertInto('workspaces').values({ name }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export interface FixtureTask {
  name: string;
  type: string;
  parameters: Record<string, string>;
}

export async function createConfiguration(
  db: Kysely<Database>,
  workspaceId: string,
  name: string,
  tasks: FixtureTask[],
  attributes: Record<string, string> = {},
): Promise<{ id: string; taskIds: Record<string, string> }> {
  const config = await db
    .insertInto('configurations')
    .values({ workspace_id: workspaceId, name, attributes: JSON.stringify(attributes), validated: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  const taskIds: Record<string, string> = {};
  for (const [position, task] of tasks.entries()) {
    const row = await db
      .insertInto('tasks')
      .values({
        configuration_id: config.id,
        name: task.name,
        type: task.type,
        parameters: JSON.stringify(task.parameters),
        position,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    taskIds[task.name] = row.id;
  }
  return { id: config.id, taskIds };
}

export async function createBatch(
  db: Kysely<Database>,
  workspaceId: string,
  configurationId: string | null,
  name: string,
  taskIds: string[],
): Promise<string> {
  const batch = await db
    .insertInto('batches')
    .values({ workspace_id: workspaceId, configuration_id: configurationId, name })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (taskIds.length > 0) {
    await db
      .insertInto('batch_elements')
      .values(taskIds.map((task_id, position) => ({ batch_id: batch.id, task_id, position })))
      .execute();
  }
  return batch.id;
}

export async function taskStatuses(db: Kysely<Database>, runId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('task_runs')
    .select('status')
    .where('batch_run_id', '=', runId)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.status);
}
