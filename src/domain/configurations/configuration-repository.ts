import type { Kysely, Selectable } from 'kysely';

import { notFound } from '../../errors/errors.ts';
import type { ConfigurationsTable, Database } from '../../store/database.types.ts';

export interface StoredTask {
  id: string;
  name: string;
  type: string;
  parameters: Record<string, string>;
  position: number;
}

export interface StoredBatch {
  id: string;
  name: string;
  enabled: boolean;
  tasks: string[];
}

export interface StoredConfiguration {
  row: Selectable<ConfigurationsTable>;
  workspace: string;
  tasks: StoredTask[];
  batches: StoredBatch[];
}

/** Reads a live configuration with its live tasks and its batches (task names in order). */
export async function loadConfiguration(db: Kysely<Database>, id: string): Promise<StoredConfiguration> {
  const row = await db
    .selectFrom('configurations')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw notFound('Configuration', id);
  const workspace = await db
    .selectFrom('workspaces')
    .select('name')
    .where('id', '=', row.workspace_id)
    .executeTakeFirstOrThrow();
  const tasks = await db
    .selectFrom('tasks')
    .select(['id', 'name', 'type', 'parameters', 'position'])
    .where('configuration_id', '=', id)
    .where('removed_at', 'is', null)
    .orderBy('position')
    .execute();
  const batches = await db
    .selectFrom('batches')
    .select(['id', 'name', 'enabled'])
    .where('configuration_id', '=', id)
    .where('removed_at', 'is', null)
    .orderBy('name')
    .execute();
  const elements =
    batches.length === 0
      ? []
      : await db
          .selectFrom('batch_elements')
          .innerJoin('tasks', 'tasks.id', 'batch_elements.task_id')
          .select(['batch_elements.batch_id', 'tasks.name'])
          .where(
            'batch_id',
            'in',
            batches.map((b) => b.id),
          )
          .orderBy('batch_elements.position')
          .execute();
  return {
    row,
    workspace: workspace.name,
    tasks: tasks.map((t) => ({ ...t, parameters: t.parameters as Record<string, string> })),
    batches: batches.map((b) => ({ ...b, tasks: elements.filter((e) => e.batch_id === b.id).map((e) => e.name) })),
  };
}
