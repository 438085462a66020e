import type { Kysely, Selectable } from 'kysely';

import type { Batch } from '../../contracts/batches.dto.ts';
import type { Page } from '../../contracts/common.dto.ts';
import type { MisfirePolicy, Schedule } from '../../contracts/schedules.dto.ts';
import { conflict, notFound, UserError } from '../../errors/errors.ts';
import type { BatchesTable, Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';
import { withTransaction } from '../../store/store.ts';
import { pageOf, toIso, toIsoRequired } from '../page.ts';
import { assertWorkspaceLevel, workspaceLevel } from '../security/permissions.ts';
import type { Principal } from '../security/principal.ts';

export interface BatchInput {
  workspace?: string;
  configuration?: string;
  name?: string;
  description?: string;
  enabled?: boolean;
  tasks?: string[];
  schedule?: Schedule | null;
  timeZone?: string;
  misfire?: MisfirePolicy;
}

/** Schedule rules, from the engine's scheduler (handed in: the domain does not import the engine). */
export interface ScheduleRules {
  validateSchedule: (schedule: Schedule, timeZone: string, now?: Date) => void;
  nextFireTimes: (schedule: Schedule, timeZone: string, from: Date, count?: number) => Date[];
}

export type BatchesService = ReturnType<typeof createBatchesService>;

/** Batches: ordered tasks with a schedule. `@`-named ones belong to their configuration's page. */
export function createBatchesService(db: Kysely<Database>, rules: ScheduleRules, now: () => Date = () => new Date()) {
  const { validateSchedule, nextFireTimes } = rules;
  async function toDto(row: Selectable<BatchesTable>): Promise<Batch> {
    const ws = await db
      .selectFrom('workspaces')
      .select('name')
      .where('id', '=', row.workspace_id)
      .executeTakeFirstOrThrow();
    const config = row.configuration_id
      ? await db.selectFrom('configurations').select('name').where('id', '=', row.configuration_id).executeTakeFirst()
      : undefined;
    const tasks = await db
      .selectFrom('batch_elements')
      .innerJoin('tasks', 'tasks.id', 'batch_elements.task_id')
      .innerJoin('configurations', 'configurations.id', 'tasks.configuration_id')
      .select(['tasks.id', 'tasks.name', 'configurations.name as configuration'])
      .where('batch_id', '=', row.id)
      .orderBy('batch_elements.position')
      .execute();
    const last = await db
      .selectFrom('batch_runs')
      .select(['id', 'status', 'started_at', 'ended_at'])
      .where('batch_id', '=', row.id)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const schedule = row.schedule as Schedule | null;
    return {
      id: row.id,
      workspace: ws.name,
      configurationId: row.configuration_id,
      configuration: config?.name ?? null,
      name: row.name,
      description: row.description,
      enabled: row.enabled,
      schedule,
      timeZone: row.time_zone,
      misfire: row.misfire,
      tasks,
      nextFires:
        schedule && row.enabled ? nextFireTimes(schedule, row.time_zone, now(), 5).map((d) => d.toISOString()) : [],
      lastRun: last
        ? { id: last.id, status: last.status, startedAt: toIsoRequired(last.started_at), endedAt: toIso(last.ended_at) }
        : null,
    };
  }

  async function findRow(principal: Principal, id: string, level: 'read' | 'write' | 'admin') {
    const row = await db
      .selectFrom('batches')
      .selectAll()
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound('Batch', id);
    await assertWorkspaceLevel(db, principal, row.workspace_id, level, { kind: 'Batch', id });
    return row;
  }

  /** Tasks must be live and belong to the batch's configuration (or, for an independent batch, its workspace). */
  async function checkTasks(workspaceId: string, configurationId: string | null, taskIds: string[]): Promise<void> {
    if (new Set(taskIds).size !== taskIds.length) {
      throw new UserError('duplicate_task', 'A task is in the batch twice', {
        details: [{ field: 'tasks', message: 'duplicate' }],
      });
    }
    if (taskIds.length === 0) return;
    const rows = await db
      .selectFrom('tasks')
      .innerJoin('configurations', 'configurations.id', 'tasks.configuration_id')
      .select(['tasks.id', 'tasks.configuration_id', 'configurations.workspace_id'])
      .where('tasks.id', 'in', taskIds)
      .where('tasks.removed_at', 'is', null)
      .execute();
    taskIds.forEach((id, index) => {
      const row = rows.find((r) => r.id === id);
      const fits =
        row &&
        row.workspace_id === workspaceId &&
        (configurationId === null || row.configuration_id === configurationId);
      if (!fits) {
        throw new UserError(
          'unknown_task',
          `Task ${id} is not a task of this ${configurationId ? 'configuration' : 'workspace'}`,
          { details: [{ field: `tasks.${index}`, message: 'unknown task' }] },
        );
      }
    });
  }

  async function writeElements(batchId: string, taskIds: string[]): Promise<void> {
    await withTransaction(db, async (trx) => {
      await trx.deleteFrom('batch_elements').where('batch_id', '=', batchId).execute();
      if (taskIds.length > 0) {
        await trx
          .insertInto('batch_elements')
          .values(taskIds.map((task_id, position) => ({ batch_id: batchId, task_id, position })))
          .execute();
      }
    });
  }

  const taken = (name: string) => conflict('batch_exists', `A batch named '${name}' exists here`);

  return {
    async list(
      principal: Principal,
      query: { limit: number; offset: number; workspace?: string; configuration?: string },
    ): Promise<Page<Batch>> {
      const rows = await db
        .selectFrom('batches')
        .innerJoin('workspaces', 'workspaces.id', 'batches.workspace_id')
        .leftJoin('configurations', 'configurations.id', 'batches.configuration_id')
        .selectAll('batches')
        .where('batches.removed_at', 'is', null)
        .$if(query.workspace !== undefined, (q) => q.where('workspaces.name', '=', query.workspace!))
        .$if(query.configuration !== undefined, (q) => q.where('batches.configuration_id', '=', query.configuration!))
        // The global list hides `@` batches and those of templates or not validated configurations.
        .$if(query.configuration === undefined, (q) =>
          q
            .where('batches.name', 'not like', '@%')
            .where((eb) =>
              eb.or([
                eb('batches.configuration_id', 'is', null),
                eb.and([eb('configurations.validated', '=', true), eb('configurations.template', '=', false)]),
              ]),
            ),
        )
        .orderBy('workspaces.name')
        .orderBy('batches.name')
        .execute();
      const visible = [];
      for (const row of rows) if ((await workspaceLevel(db, principal, row.workspace_id)) !== null) visible.push(row);
      const items = await Promise.all(visible.slice(query.offset, query.offset + query.limit).map(toDto));
      return pageOf(items, visible.length, query);
    },

    async get(principal: Principal, id: string): Promise<Batch> {
      return toDto(await findRow(principal, id, 'read'));
    },

    async create(
      principal: Principal,
      input: Required<Pick<BatchInput, 'workspace' | 'name' | 'tasks'>> & BatchInput,
    ): Promise<Batch> {
      const ws = await db.selectFrom('workspaces').select('id').where('name', '=', input.workspace).executeTakeFirst();
      if (!ws) throw notFound('Workspace', input.workspace);
      // A hidden workspace reads like a missing one (by its name, not its id).
      await assertWorkspaceLevel(db, principal, ws.id, 'admin', { kind: 'Workspace', id: input.workspace });
      if (input.schedule) validateSchedule(input.schedule, input.timeZone ?? 'UTC', now());
      if (input.configuration) {
        const config = await db
          .selectFrom('configurations')
          .select('workspace_id')
          .where('id', '=', input.configuration)
          .where('removed_at', 'is', null)
          .executeTakeFirst();
        if (!config || config.workspace_id !== ws.id) throw notFound('Configuration', input.configuration);
      }
      await checkTasks(ws.id, input.configuration ?? null, input.tasks);
      try {
        const row = await db
          .insertInto('batches')
          .values({
            workspace_id: ws.id,
            configuration_id: input.configuration ?? null,
            name: input.name,
            description: input.description ?? '',
            enabled: input.enabled ?? true,
            schedule: input.schedule ? JSON.stringify(input.schedule) : null,
            time_zone: input.timeZone ?? 'UTC',
            misfire: input.misfire ?? 'run_once',
            last_fire_at: now(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await writeElements(row.id, input.tasks);
        return await this.get(principal, row.id);
      } catch (error) {
        if (isUniqueViolation(error)) throw taken(input.name);
        throw error;
      }
    },

    async update(principal: Principal, id: string, input: BatchInput): Promise<Batch> {
      const row = await findRow(principal, id, 'admin');
      const schedule = input.schedule === undefined ? (row.schedule as Schedule | null) : input.schedule;
      if (schedule) validateSchedule(schedule, input.timeZone ?? row.time_zone, now());
      if (input.tasks) await checkTasks(row.workspace_id, row.configuration_id, input.tasks);
      try {
        await db
          .updateTable('batches')
          .set({
            ...(input.name !== undefined && { name: input.name }),
            ...(input.description !== undefined && { description: input.description }),
            ...(input.enabled !== undefined && { enabled: input.enabled }),
            // Enabling (again) schedules from now on, like the Task Manager: no catch-up run for
            // the time the batch was off.
            ...(input.enabled === true && !row.enabled && { last_fire_at: now() }),
            ...(input.schedule !== undefined && {
              schedule: input.schedule ? JSON.stringify(input.schedule) : null,
              last_fire_at: now(),
            }),
            ...(input.timeZone !== undefined && { time_zone: input.timeZone }),
            ...(input.misfire !== undefined && { misfire: input.misfire }),
            updated_at: now(),
          })
          .where('id', '=', id)
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw taken(input.name ?? row.name);
        throw error;
      }
      if (input.tasks) await writeElements(id, input.tasks);
      return this.get(principal, id);
    },

    /** Removes a batch (its runs are kept); refused while it runs. */
    async remove(principal: Principal, id: string): Promise<void> {
      await findRow(principal, id, 'admin');
      const open = await db
        .selectFrom('batch_runs')
        .select('id')
        .where('batch_id', '=', id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (open) throw conflict('batch_running', 'The batch is running; interrupt it or wait');
      await db.updateTable('batches').set({ removed_at: now() }).where('id', '=', id).execute();
    },

    /** Checks the caller may run the batch (write on its workspace) and that it can run. */
    async assertRunnable(principal: Principal, id: string): Promise<void> {
      const row = await findRow(principal, id, 'write');
      if (row.configuration_id) {
        const config = await db
          .selectFrom('configurations')
          .select(['template', 'validated'])
          .where('id', '=', row.configuration_id)
          .executeTakeFirstOrThrow();
        if (config.template) {
          throw new UserError(
            'template_batch',
            'Batches of templates do not run; create a configuration from the template',
          );
        }
        if (!config.validated && row.name !== '@Initialize') {
          throw new UserError('not_validated', 'The configuration has validation problems; fix them first');
        }
      }
    },
  };
}
