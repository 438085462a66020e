import type { Transaction } from 'kysely';

import type { TaskInput } from '../../contracts/configurations.dto.ts';
import { conflict } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import type { TaskTypeRegistry } from '../../tasks/task-registry.ts';
import { defaultParameters } from './attributes.ts';
import { loadConfiguration, type StoredBatch } from './configuration-repository.ts';

/** Replaces the live tasks by name: changed ones updated, new ones added, missing ones removed. */
export async function writeTasks(
  trx: Transaction<Database>,
  taskTypes: TaskTypeRegistry,
  configurationId: string,
  tasks: readonly TaskInput[],
): Promise<void> {
  const live = await trx
    .selectFrom('tasks')
    .select(['id', 'name'])
    .where('configuration_id', '=', configurationId)
    .where('removed_at', 'is', null)
    .execute();
  const wanted = new Set(tasks.map((t) => t.name));
  for (const gone of live.filter((t) => !wanted.has(t.name))) {
    const used = await trx
      .selectFrom('batch_elements')
      .innerJoin('batches', 'batches.id', 'batch_elements.batch_id')
      .select('batches.name')
      .where('task_id', '=', gone.id)
      .where('batches.removed_at', 'is', null)
      .executeTakeFirst();
    if (used) {
      throw conflict('task_in_batch', `Task '${gone.name}' is in batch '${used.name}'; take it out of the batch first`);
    }
    await trx.updateTable('tasks').set({ removed_at: new Date() }).where('id', '=', gone.id).execute();
  }
  for (const [position, task] of tasks.entries()) {
    const parameters = JSON.stringify(task.parameters ?? defaultParameters(taskTypes.parametersOf(task.type)));
    const existing = live.find((t) => t.name === task.name);
    if (existing) {
      await trx
        .updateTable('tasks')
        .set({ type: task.type, parameters, position, updated_at: new Date() })
        .where('id', '=', existing.id)
        .execute();
    } else {
      await trx
        .insertInto('tasks')
        .values({ configuration_id: configurationId, name: task.name, type: task.type, parameters, position })
        .execute();
    }
  }
}

async function liveTaskIds(trx: Transaction<Database>, configurationId: string): Promise<Map<string, string>> {
  const rows = await trx
    .selectFrom('tasks')
    .select(['id', 'name'])
    .where('configuration_id', '=', configurationId)
    .where('removed_at', 'is', null)
    .execute();
  return new Map(rows.map((t) => [t.name, t.id]));
}

async function writeElements(
  trx: Transaction<Database>,
  batchId: string,
  tasks: readonly string[],
  taskIds: Map<string, string>,
) {
  await trx.deleteFrom('batch_elements').where('batch_id', '=', batchId).execute();
  if (tasks.length > 0) {
    await trx
      .insertInto('batch_elements')
      .values(tasks.map((name, position) => ({ batch_id: batchId, position, task_id: taskIds.get(name)! })))
      .execute();
  }
}

/** Copies one batch of another configuration into `targetId`. */
async function copyBatch(
  trx: Transaction<Database>,
  batch: StoredBatch,
  targetId: string,
  workspace: string,
  enabled: boolean,
  taskIds: Map<string, string>,
) {
  const full = await trx.selectFrom('batches').selectAll().where('id', '=', batch.id).executeTakeFirstOrThrow();
  const created = await trx
    .insertInto('batches')
    .values({
      workspace_id: workspace,
      configuration_id: targetId,
      name: full.name,
      description: full.description,
      enabled,
      schedule: full.schedule === null ? null : JSON.stringify(full.schedule),
      time_zone: full.time_zone,
      misfire: full.misfire,
      last_fire_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await writeElements(trx, created.id, batch.tasks, taskIds);
}

/**
 * Copies tasks and batches of a template or configuration into a new one. Copies start disabled
 * unless they are templates: a new configuration must not fire before it is checked.
 */
export async function copyConfiguration(
  trx: Transaction<Database>,
  taskTypes: TaskTypeRegistry,
  sourceId: string,
  targetId: string,
  workspace: string,
  asTemplate: boolean,
): Promise<void> {
  const source = await loadConfiguration(trx, sourceId);
  await writeTasks(trx, taskTypes, targetId, source.tasks);
  const taskIds = await liveTaskIds(trx, targetId);
  for (const batch of source.batches) {
    const full = await trx.selectFrom('batches').select('enabled').where('id', '=', batch.id).executeTakeFirstOrThrow();
    await copyBatch(trx, batch, targetId, workspace, asTemplate && full.enabled, taskIds);
  }
}

/**
 * Brings a configuration's tasks and batches in line with its template again (resolving drift).
 * Attribute values stay; batches keep their enabled flag; batches the template no longer has
 * are removed (refused while one runs).
 */
export async function applyTemplate(
  trx: Transaction<Database>,
  taskTypes: TaskTypeRegistry,
  configurationId: string,
  templateId: string,
): Promise<void> {
  const template = await loadConfiguration(trx, templateId);
  const current = await loadConfiguration(trx, configurationId);
  const wanted = new Set(template.batches.map((b) => b.name));
  for (const batch of current.batches) {
    const open = await trx
      .selectFrom('batch_runs')
      .select('id')
      .where('batch_id', '=', batch.id)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    if (open) throw conflict('batch_running', `Batch '${batch.name}' is running; try again when it has ended`);
    await trx.deleteFrom('batch_elements').where('batch_id', '=', batch.id).execute();
    if (!wanted.has(batch.name)) {
      await trx.updateTable('batches').set({ removed_at: new Date() }).where('id', '=', batch.id).execute();
    }
  }
  await writeTasks(trx, taskTypes, configurationId, template.tasks);
  const taskIds = await liveTaskIds(trx, configurationId);
  for (const batch of template.batches) {
    const existing = current.batches.find((b) => b.name === batch.name);
    if (!existing) {
      await copyBatch(trx, batch, configurationId, current.row.workspace_id, false, taskIds);
      continue;
    }
    const source = await trx.selectFrom('batches').selectAll().where('id', '=', batch.id).executeTakeFirstOrThrow();
    await trx
      .updateTable('batches')
      .set({
        description: source.description,
        schedule: source.schedule === null ? null : JSON.stringify(source.schedule),
        time_zone: source.time_zone,
        misfire: source.misfire,
        updated_at: new Date(),
      })
      .where('id', '=', existing.id)
      .execute();
    await writeElements(trx, existing.id, batch.tasks, taskIds);
  }
}
