import type { Kysely } from 'kysely';

import type { Run } from '../../contracts/batches.dto.ts';
import type { Page } from '../../contracts/common.dto.ts';
import { conflict, forbidden, notFound } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import { pageOf, toIso, toIsoRequired } from '../page.ts';
import { workspaceLevel } from '../security/permissions.ts';
import { levelAtLeast, type Principal } from '../security/principal.ts';

export type RunsService = ReturnType<typeof createRunsService>;

/** Run history: batch runs with their task runs and log. Removed batches keep theirs. */
export function createRunsService(db: Kysely<Database>) {
  async function findRun(principal: Principal, id: string, level: 'read' | 'write') {
    const row = await db
      .selectFrom('batch_runs')
      .innerJoin('batches', 'batches.id', 'batch_runs.batch_id')
      .selectAll('batch_runs')
      .select(['batches.name as batch', 'batches.workspace_id'])
      .where('batch_runs.id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Run', id);
    // A caller who cannot see the workspace learns nothing (404); one who can see the run but
    // lacks the right for the action is told so (403).
    const have = await workspaceLevel(db, principal, row.workspace_id);
    if (have === null) throw notFound('Run', id);
    if (!levelAtLeast(have, level)) throw forbidden(`This needs '${level}' permission on the workspace`);
    return row;
  }

  return {
    async list(
      principal: Principal,
      query: { limit: number; offset: number; batch?: string; status?: string; since?: string; until?: string },
    ): Promise<Page<Run>> {
      const rows = await db
        .selectFrom('batch_runs')
        .innerJoin('batches', 'batches.id', 'batch_runs.batch_id')
        .select(['batch_runs.id', 'batches.workspace_id'])
        .$if(query.batch !== undefined, (q) => q.where('batch_runs.batch_id', '=', query.batch!))
        .$if(query.status !== undefined, (q) => q.where('batch_runs.status', '=', query.status!))
        .$if(query.since !== undefined, (q) => q.where('batch_runs.started_at', '>=', new Date(query.since!)))
        .$if(query.until !== undefined, (q) => q.where('batch_runs.started_at', '<', new Date(query.until!)))
        .orderBy('batch_runs.started_at', 'desc')
        .execute();
      const levels = new Map<string, boolean>();
      const visible = [];
      for (const row of rows) {
        if (!levels.has(row.workspace_id)) {
          levels.set(row.workspace_id, (await workspaceLevel(db, principal, row.workspace_id)) !== null);
        }
        if (levels.get(row.workspace_id)) visible.push(row.id);
      }
      const items = await Promise.all(
        visible.slice(query.offset, query.offset + query.limit).map((id) => this.get(principal, id)),
      );
      return pageOf(items, visible.length, query);
    },

    async get(principal: Principal, id: string): Promise<Run> {
      const row = await findRun(principal, id, 'read');
      const tasks = await db
        .selectFrom('task_runs')
        .innerJoin('tasks', 'tasks.id', 'task_runs.task_id')
        .select([
          'task_runs.id',
          'tasks.name',
          'tasks.type',
          'task_runs.status',
          'task_runs.message',
          'task_runs.progress',
          'task_runs.started_at',
          'task_runs.ended_at',
        ])
        .where('batch_run_id', '=', id)
        .orderBy('task_runs.position')
        .execute();
      return {
        id: row.id,
        batchId: row.batch_id,
        batch: row.batch,
        status: row.status,
        trigger: row.trigger,
        message: row.message,
        startedBy: row.started_by,
        startedAt: toIsoRequired(row.started_at),
        endedAt: toIso(row.ended_at),
        interruptRequested: row.interrupt_requested_at !== null,
        tasks: tasks.map((t) => ({
          id: t.id,
          task: t.name,
          type: t.type,
          status: t.status,
          message: t.message,
          progress: t.progress,
          startedAt: toIso(t.started_at),
          endedAt: toIso(t.ended_at),
        })),
      };
    },

    async log(principal: Principal, id: string, afterId = 0) {
      await findRun(principal, id, 'read');
      const rows = await db
        .selectFrom('run_log')
        .select(['id', 'at', 'level', 'message', 'task_run_id'])
        .where('batch_run_id', '=', id)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(1000)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        at: toIsoRequired(r.at),
        level: r.level,
        message: r.message,
        taskRunId: r.task_run_id,
      }));
    },

    /** Asks a running run to stop (write permission). The engine sees it within a second. */
    async interrupt(principal: Principal, id: string): Promise<Run> {
      const row = await findRun(principal, id, 'write');
      if (row.ended_at) throw conflict('run_ended', 'The run has already ended');
      await db
        .updateTable('batch_runs')
        .set({ interrupt_requested_at: new Date() })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .execute();
      return this.get(principal, id);
    },
  };
}
