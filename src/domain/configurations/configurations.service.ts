import type { Kysely } from 'kysely';

import type { Page } from '../../contracts/common.dto.ts';
import type { ConfigurationDocument } from '../../contracts/configuration-document.dto.ts';
import { builtinConnectorTypes } from '../../connectors/builtin.ts';
import { createConnectorRegistry } from '../../connectors/connector-registry.ts';
import type { Configuration, TaskInput } from '../../contracts/configurations.dto.ts';
import { conflict, notFound, UserError } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { isUniqueViolation } from '../../store/sql-state.ts';
import { withTransaction } from '../../store/store.ts';
import type { TaskTypeRegistry } from '../../tasks/task-registry.ts';
import type { TaskServices } from '../../tasks/task-type.ts';
import { pageOf, toIsoRequired } from '../page.ts';
import { assertWorkspaceLevel, workspaceLevel } from '../security/permissions.ts';
import type { Principal } from '../security/principal.ts';
import { capabilitiesNeededBy, deriveAttributes } from './attributes.ts';
import { applyTemplate, copyConfiguration, writeTasks } from './configuration-writer.ts';
import { type CleanupReport, cleanupTasks } from './cleanup-tasks.ts';
import { hasDrift } from './configuration-drift.ts';
import { loadConfiguration, type StoredConfiguration } from './configuration-repository.ts';
import { type CapabilityTypes, loadMapServerLookup } from './map-server-capabilities.ts';
import { mapServersToLookUp, validateConfiguration } from './validate-configuration.ts';

/** The batch that prepares a configuration made from an initializing template. */
export const INIT_BATCH = '@Initialize';

export interface NewConfiguration {
  workspace: string;
  name: string;
  description: string;
  template: boolean;
  from?: string;
  attributes: Record<string, string>;
  tasks: TaskInput[];
}

export interface ConfigurationChange {
  name?: string;
  description?: string;
  attributes?: Record<string, string>;
  tasks?: TaskInput[];
}

export type ConfigurationsService = ReturnType<typeof createConfigurationsService>;

/**
 * Templates and configurations: one noun, a `template` flag (the Task Manager's model).
 * `connectorTypes` tell validation what each map-server connection can do (default: the built-in types).
 */
export function createConfigurationsService(
  db: Kysely<Database>,
  taskTypes: TaskTypeRegistry,
  services: TaskServices,
  connectorTypes: CapabilityTypes = createConnectorRegistry(builtinConnectorTypes),
) {
  const parametersOf = (type: string) => (taskTypes.has(type) ? taskTypes.parametersOf(type) : []);

  /**
   * A configuration from an initializing template is in init mode until its `@Initialize` batch
   * has committed once: only the tasks of that batch must be complete, the rest is filled later.
   */
  async function initBatchPending(
    stored: StoredConfiguration,
  ): Promise<StoredConfiguration['batches'][number] | undefined> {
    if (stored.row.template) return undefined;
    const init = stored.batches.find((b) => b.name === INIT_BATCH);
    if (!init) return undefined;
    const committed = await db
      .selectFrom('batch_runs')
      .select('id')
      .where('batch_id', '=', init.id)
      .where('status', '=', 'committed')
      .executeTakeFirst();
    return committed ? undefined : init;
  }

  async function problemsOf(stored: StoredConfiguration, init: StoredConfiguration['batches'][number] | undefined) {
    const tasks = init ? stored.tasks.filter((t) => init.tasks.includes(t.name)) : stored.tasks;
    const config = {
      template: stored.row.template,
      attributes: stored.row.attributes as Record<string, string>,
      tasks,
      batches: init ? [init] : stored.batches,
    };
    const local = services.connections.localMapServer;
    const names = mapServersToLookUp(config, taskTypes, local);
    return validateConfiguration(config, taskTypes, await loadMapServerLookup(db, connectorTypes, local, names));
  }

  async function toDto(stored: StoredConfiguration): Promise<Configuration> {
    const init = await initBatchPending(stored);
    const values = stored.row.attributes as Record<string, string>;
    let drift: boolean | null = null;
    if (stored.row.template_id) {
      const template = await loadConfiguration(db, stored.row.template_id).catch(() => undefined);
      drift = template ? hasDrift(stored, template) : null;
    }
    return {
      id: stored.row.id,
      workspaceId: stored.row.workspace_id,
      workspace: stored.workspace,
      name: stored.row.name,
      description: stored.row.description,
      template: stored.row.template,
      templateId: stored.row.template_id,
      validated: stored.row.validated,
      attributes: deriveAttributes(stored.tasks, parametersOf, values).map((a) => ({ ...a, value: a.value ?? null })),
      tasks: stored.tasks.map(({ id, name, type, parameters }) => ({ id, name, type, parameters })),
      batches: stored.batches,
      problems: await problemsOf(stored, init),
      initializeBatchId: init?.id ?? null,
      drift,
      createdAt: toIsoRequired(stored.row.created_at),
      updatedAt: toIsoRequired(stored.row.updated_at),
    };
  }

  async function workspaceId(principal: Principal, name: string, level: 'read' | 'write' | 'admin'): Promise<string> {
    const ws = await db.selectFrom('workspaces').select('id').where('name', '=', name).executeTakeFirst();
    if (!ws) throw notFound('Workspace', name);
    await assertWorkspaceLevel(db, principal, ws.id, level, { kind: 'Workspace', id: name });
    return ws.id;
  }

  async function loadFor(principal: Principal, id: string, level: 'read' | 'write' | 'admin') {
    const stored = await loadConfiguration(db, id);
    await assertWorkspaceLevel(db, principal, stored.row.workspace_id, level, { kind: 'Configuration', id });
    return stored;
  }

  function checkTasks(tasks: TaskInput[]): void {
    const seen = new Set<string>();
    tasks.forEach((task, index) => {
      taskTypes.get(task.type);
      if (seen.has(task.name)) {
        throw new UserError('duplicate_task', `Two tasks are named '${task.name}'`, {
          details: [{ field: `tasks.${index}.name`, message: 'duplicate name' }],
        });
      }
      seen.add(task.name);
    });
  }

  /** Stores the validated flag; only validated configurations are scheduled. */
  async function revalidate(id: string): Promise<Configuration> {
    const stored = await loadConfiguration(db, id);
    const dto = await toDto(stored);
    const validated = !stored.row.template && dto.initializeBatchId === null && dto.problems.length === 0;
    if (validated !== stored.row.validated) {
      await db.updateTable('configurations').set({ validated }).where('id', '=', id).execute();
      dto.validated = validated;
    }
    return dto;
  }

  return {
    async list(
      principal: Principal,
      query: { limit: number; offset: number; workspace?: string; template?: 'true' | 'false'; search?: string },
    ): Promise<
      Page<Pick<Configuration, 'id' | 'workspace' | 'name' | 'description' | 'template' | 'validated' | 'updatedAt'>>
    > {
      const rows = await db
        .selectFrom('configurations')
        .innerJoin('workspaces', 'workspaces.id', 'configurations.workspace_id')
        .select([
          'configurations.id',
          'configurations.workspace_id',
          'workspaces.name as workspace',
          'configurations.name',
          'configurations.description',
          'configurations.template',
          'configurations.validated',
          'configurations.updated_at',
        ])
        .where('configurations.removed_at', 'is', null)
        .$if(query.workspace !== undefined, (q) => q.where('workspaces.name', '=', query.workspace!))
        .$if(query.template !== undefined, (q) => q.where('configurations.template', '=', query.template === 'true'))
        .$if(query.search !== undefined, (q) =>
          q.where('configurations.name', 'ilike', `%${query.search!.replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
        )
        .orderBy('workspaces.name')
        .orderBy('configurations.name')
        .execute();
      const visible = [];
      for (const row of rows) if ((await workspaceLevel(db, principal, row.workspace_id)) !== null) visible.push(row);
      const items = visible.slice(query.offset, query.offset + query.limit).map((r) => ({
        id: r.id,
        workspace: r.workspace,
        name: r.name,
        description: r.description,
        template: r.template,
        validated: r.validated,
        updatedAt: toIsoRequired(r.updated_at),
      }));
      return pageOf(items, visible.length, query);
    },

    async get(principal: Principal, id: string): Promise<Configuration> {
      return toDto(await loadFor(principal, id, 'read'));
    },

    /** Creates from scratch, or as a copy of a template or configuration (`from`). */
    async create(principal: Principal, input: NewConfiguration): Promise<Configuration> {
      const ws = await workspaceId(principal, input.workspace, 'admin');
      checkTasks(input.tasks);
      let source: StoredConfiguration | undefined;
      if (input.from) source = await loadFor(principal, input.from, 'read');
      try {
        const id = await withTransaction(db, async (trx) => {
          const row = await trx
            .insertInto('configurations')
            .values({
              workspace_id: ws,
              name: input.name,
              description: input.description || source?.row.description || '',
              template: input.template,
              template_id: source?.row.template ? source.row.id : (source?.row.template_id ?? null),
              attributes: JSON.stringify({
                ...((source?.row.attributes as Record<string, string>) ?? {}),
                ...input.attributes,
              }),
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          if (source) await copyConfiguration(trx, taskTypes, source.row.id, row.id, ws, input.template);
          else await writeTasks(trx, taskTypes, row.id, input.tasks);
          return row.id;
        });
        return await revalidate(id);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict('configuration_exists', `'${input.name}' exists in workspace '${input.workspace}'`);
        }
        throw error;
      }
    },

    async update(principal: Principal, id: string, change: ConfigurationChange): Promise<Configuration> {
      await loadFor(principal, id, 'admin');
      if (change.tasks) checkTasks(change.tasks);
      try {
        await withTransaction(db, async (trx) => {
          await trx
            .updateTable('configurations')
            .set({
              ...(change.name !== undefined && { name: change.name }),
              ...(change.description !== undefined && { description: change.description }),
              ...(change.attributes !== undefined && { attributes: JSON.stringify(change.attributes) }),
              updated_at: new Date(),
            })
            .where('id', '=', id)
            .execute();
          if (change.tasks) await writeTasks(trx, taskTypes, id, change.tasks);
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw conflict('configuration_exists', `'${change.name ?? ''}' exists in this workspace`);
        }
        throw error;
      }
      return revalidate(id);
    },

    /** Re-applies the template's tasks and batches (resolves drift); attribute values stay. */
    async applyTemplate(principal: Principal, id: string): Promise<Configuration> {
      const stored = await loadFor(principal, id, 'admin');
      const templateId = stored.row.template_id;
      if (!templateId) throw new UserError('no_template', 'This configuration was not created from a template');
      await loadFor(principal, templateId, 'read');
      await withTransaction(db, (trx) => applyTemplate(trx, taskTypes, id, templateId));
      return revalidate(id);
    },

    /**
     * After a run ended: a committed `@Initialize` run takes its configuration out of init mode, so
     * it is validated again at once (the Task Manager's "validation afterwards").
     */
    async afterRun(batchId: string): Promise<void> {
      const batch = await db
        .selectFrom('batches')
        .select(['name', 'configuration_id'])
        .where('id', '=', batchId)
        .executeTakeFirst();
      if (batch?.name === INIT_BATCH && batch.configuration_id) await revalidate(batch.configuration_id);
    },

    /** What the map servers offered for attribute `name` must be able to do (the editor's drop-down). */
    capabilitiesNeededBy(configuration: Pick<Configuration, 'tasks'>, name: string) {
      return capabilitiesNeededBy(configuration.tasks, parametersOf, name);
    },

    async validate(principal: Principal, id: string): Promise<Configuration> {
      await loadFor(principal, id, 'read');
      return revalidate(id);
    },

    /** The configuration as a portable document (export). */
    async exportDocument(principal: Principal, id: string): Promise<ConfigurationDocument> {
      const stored = await loadFor(principal, id, 'read');
      const batches = await db
        .selectFrom('batches')
        .selectAll()
        .where('configuration_id', '=', id)
        .where('removed_at', 'is', null)
        .orderBy('name')
        .execute();
      return {
        format: 'geosync.configuration',
        version: 1,
        name: stored.row.name,
        description: stored.row.description,
        workspace: stored.workspace,
        template: stored.row.template,
        attributes: stored.row.attributes as Record<string, string>,
        tasks: stored.tasks.map(({ name, type, parameters }) => ({ name, type, parameters })),
        batches: batches.map((b) => ({
          name: b.name,
          description: b.description,
          enabled: b.enabled,
          schedule: b.schedule as ConfigurationDocument['batches'][number]['schedule'],
          timeZone: b.time_zone,
          misfire: b.misfire,
          tasks: stored.batches.find((x) => x.id === b.id)?.tasks ?? [],
        })),
      };
    },

    /** Creates a configuration from a document (import); its batches start disabled unless a template. */
    async importDocument(
      principal: Principal,
      document: ConfigurationDocument,
      overrides: { workspace?: string; name?: string } = {},
    ): Promise<Configuration> {
      const workspace = overrides.workspace ?? document.workspace;
      if (!workspace) {
        throw new UserError('missing_workspace', 'Name the workspace to import into', {
          details: [{ field: 'workspace', message: 'required' }],
        });
      }
      const created = await this.create(principal, {
        workspace,
        name: overrides.name ?? document.name,
        description: document.description,
        template: document.template,
        attributes: document.attributes,
        tasks: document.tasks,
      });
      const taskIds = new Map(created.tasks.map((t) => [t.name, t.id]));
      for (const [index, batch] of document.batches.entries()) {
        const missing = batch.tasks.find((name) => !taskIds.has(name));
        if (missing) {
          throw new UserError('unknown_task', `Batch '${batch.name}' names unknown task '${missing}'`, {
            details: [{ field: `batches.${index}.tasks`, message: `unknown task ${missing}` }],
          });
        }
        const row = await db
          .insertInto('batches')
          .values({
            workspace_id: created.workspaceId,
            configuration_id: created.id,
            name: batch.name,
            description: batch.description,
            enabled: document.template ? batch.enabled : false,
            schedule: batch.schedule === null ? null : JSON.stringify(batch.schedule),
            time_zone: batch.timeZone,
            misfire: batch.misfire,
            last_fire_at: new Date(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (batch.tasks.length > 0) {
          await db
            .insertInto('batch_elements')
            .values(batch.tasks.map((name, position) => ({ batch_id: row.id, position, task_id: taskIds.get(name)! })))
            .execute();
        }
      }
      return revalidate(created.id);
    },

    /**
     * Removes (history kept); with `cleanup`, first lets each task remove what it created.
     * Refused while one of its tasks is in another configuration's batch or a run is open.
     */
    async remove(principal: Principal, id: string, cleanup = false): Promise<CleanupReport & { removed: boolean }> {
      const stored = await loadFor(principal, id, 'admin');
      const external = await db
        .selectFrom('batch_elements')
        .innerJoin('tasks', 'tasks.id', 'batch_elements.task_id')
        .innerJoin('batches', 'batches.id', 'batch_elements.batch_id')
        .select(['batches.name', 'tasks.name as task'])
        .where('tasks.configuration_id', '=', id)
        .where('batches.removed_at', 'is', null)
        .where((eb) => eb.or([eb('batches.configuration_id', 'is', null), eb('batches.configuration_id', '!=', id)]))
        .executeTakeFirst();
      if (external) throw conflict('task_in_batch', `Task '${external.task}' is used by batch '${external.name}'`);
      const open = await db
        .selectFrom('batch_runs')
        .innerJoin('batches', 'batches.id', 'batch_runs.batch_id')
        .select('batch_runs.id')
        .where('batches.configuration_id', '=', id)
        .where('batch_runs.ended_at', 'is', null)
        .executeTakeFirst();
      if (open) throw conflict('run_open', 'A batch of this configuration is running');
      const report =
        cleanup && !stored.row.template ? await cleanupTasks(stored, taskTypes, services) : { cleaned: [], failed: [] };
      const now = new Date();
      await withTransaction(db, async (trx) => {
        await trx
          .updateTable('batches')
          .set({ removed_at: now })
          .where('configuration_id', '=', id)
          .where('removed_at', 'is', null)
          .execute();
        await trx
          .updateTable('tasks')
          .set({ removed_at: now })
          .where('configuration_id', '=', id)
          .where('removed_at', 'is', null)
          .execute();
        await trx.updateTable('configurations').set({ removed_at: now }).where('id', '=', id).execute();
      });
      return { removed: true, ...report };
    },
  };
}
