import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';

import { isGeosyncError } from '../../errors/errors.ts';
import type { Database } from '../../store/database.types.ts';
import type { TaskTypeRegistry } from '../../tasks/task-registry.ts';
import type { StagedObject, TaskServices } from '../../tasks/task-type.ts';
import { resolveParameters } from '../../domain/configurations/attributes.ts';
import { createLedger, type Ledger } from './ledger.ts';
import { actionContext, createRunLogger, type RunLogger, runContext } from './run-context.ts';
import { type LoadedTaskRun, loadTaskRuns, setTaskRun } from './run-loader.ts';
import { deriveBatchRunStatus } from './run-status.ts';
import { createTaskClaims, type TaskClaims } from './task-claims.ts';

export interface ExecutorDeps {
  db: Kysely<Database>;
  taskTypes: TaskTypeRegistry;
  services: TaskServices;
  logger: Logger;
  /** This node's id; leases name it. */
  nodeId: string;
  /** How long a claim on a run holds without a heartbeat (default 20 s). */
  leaseMs?: number;
  claimPollMs?: number;
  /** How often a running run looks for an interrupt request (default 500 ms). */
  interruptPollMs?: number;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs batch runs: RUN every task in order, then COMMIT in reverse order, or ROLL BACK the tasks
 * that succeeded, in reverse order, after a failure or an interruption. Every staged object is in
 * the ledger first, so `recover` can finish a run whose node died.
 */
export function createExecutor(deps: ExecutorDeps) {
  const { db, taskTypes, services, logger } = deps;
  const leaseMs = deps.leaseMs ?? 20_000;
  const ledger: Ledger = createLedger(db);
  const claims: TaskClaims = createTaskClaims(db, deps.claimPollMs);

  /** Takes the run's lease if it is free or expired; false when another live node has it. */
  async function takeLease(runId: string): Promise<boolean> {
    const result = await db
      .updateTable('batch_runs')
      .set({ node_id: deps.nodeId, lease_expires_at: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval` })
      .where('id', '=', runId)
      .where('ended_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('node_id', 'is', null),
          eb('node_id', '=', deps.nodeId),
          eb('lease_expires_at', '<', sql<Date>`now()`),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Renews the lease, and turns an interrupt request into an abort, until stopped. */
  function heartbeat(runId: string, controller: AbortController): () => void {
    const warn = (error: unknown) => logger.warn({ err: error, runId }, 'heartbeat failed');
    const lease = setInterval(() => void takeLease(runId).catch(warn), Math.max(200, Math.floor(leaseMs / 4)));
    const interrupts = setInterval(() => {
      void db
        .selectFrom('batch_runs')
        .select('interrupt_requested_at')
        .where('id', '=', runId)
        .executeTakeFirst()
        .then((row) => {
          if (row?.interrupt_requested_at && !controller.signal.aborted) controller.abort(new Error('interrupted'));
        })
        .catch(warn);
    }, deps.interruptPollMs ?? 500);
    return () => {
      clearInterval(lease);
      clearInterval(interrupts);
    };
  }

  async function runTask(
    runId: string,
    taskRun: LoadedTaskRun,
    signal: AbortSignal,
    log: RunLogger,
    stagedInRun: Map<string, StagedObject>,
  ): Promise<boolean> {
    if (
      !(await claims.claim(taskRun.taskId, taskRun.id, signal, () =>
        log('info', `waiting: ${taskRun.taskName} runs in another batch`, taskRun.id),
      ))
    ) {
      return false;
    }
    try {
      await setTaskRun(db, taskRun.id, { status: 'running', started: true });
      const type = taskTypes.get(taskRun.type);
      const parsed = type.parameters.safeParse(
        Object.fromEntries(
          Object.entries(resolveParameters(taskRun.parameters, taskRun.attributes)).filter(([, v]) => v !== undefined),
        ),
      );
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        await setTaskRun(db, taskRun.id, {
          status: 'failed',
          message: `There were validation errors: ${problems}`,
          ended: true,
        });
        return false;
      }
      const ctx = runContext({
        db,
        ledger,
        services,
        log,
        signal,
        runId,
        taskRunId: taskRun.id,
        taskName: taskRun.taskName,
        attributes: taskRun.attributes,
        stagedInRun,
      });
      try {
        const outcome = await type.run(parsed.data, ctx);
        if (signal.aborted) throw new Error('interrupted');
        await setTaskRun(db, taskRun.id, { status: 'ready_to_commit', message: outcome.message ?? null, ended: true });
        return true;
      } catch (error) {
        const message = signal.aborted
          ? 'Interrupted'
          : isGeosyncError(error) || error instanceof Error
            ? errorText(error)
            : 'failed';
        log('error', `${taskRun.taskName} failed: ${message}`, taskRun.id);
        // What the failed task staged before failing is undone here, not left to the task.
        await undoStaged(taskRun, log);
        await setTaskRun(db, taskRun.id, { status: 'failed', message, ended: true });
        return false;
      }
    } finally {
      await claims.release(taskRun.taskId, taskRun.id);
    }
  }

  async function undoStaged(taskRun: LoadedTaskRun, log: RunLogger): Promise<string | undefined> {
    const type = taskTypes.get(taskRun.type);
    const ctx = actionContext(new AbortController().signal, services, log, taskRun.id);
    let failure: string | undefined;
    for (const object of (await ledger.pending(taskRun.id)).reverse()) {
      try {
        await type.rollbackStaged(object, ctx);
        await ledger.mark(object.id, 'rolled_back');
      } catch (error) {
        failure = `could not roll back ${object.kind} ${object.name}: ${errorText(error)}`;
        await ledger.mark(object.id, 'failed', failure);
      }
    }
    return failure;
  }

  async function rollBack(taskRuns: LoadedTaskRun[], log: RunLogger): Promise<void> {
    for (const taskRun of [...taskRuns].reverse()) {
      if (taskRun.status === 'pending') {
        await setTaskRun(db, taskRun.id, { status: 'skipped' });
        continue;
      }
      if (!['ready_to_commit', 'rolling_back', 'running'].includes(taskRun.status)) continue;
      await setTaskRun(db, taskRun.id, { status: 'rolling_back' });
      const failure = await undoStaged(taskRun, log);
      await setTaskRun(
        db,
        taskRun.id,
        failure ? { status: 'not_rolled_back', message: failure } : { status: 'rolled_back' },
      );
    }
  }

  async function commit(taskRuns: LoadedTaskRun[], log: RunLogger, signal: AbortSignal): Promise<void> {
    for (const taskRun of [...taskRuns].reverse()) {
      if (!['ready_to_commit', 'committing'].includes(taskRun.status)) continue;
      await claims.claim(taskRun.taskId, taskRun.id, signal);
      try {
        await setTaskRun(db, taskRun.id, { status: 'committing' });
        const type = taskTypes.get(taskRun.type);
        const ctx = actionContext(new AbortController().signal, services, log, taskRun.id);
        let failure: string | undefined;
        for (const object of await ledger.pending(taskRun.id)) {
          try {
            await type.commitStaged(object, ctx);
            await ledger.mark(object.id, 'committed');
          } catch (error) {
            failure = `could not commit ${object.kind} ${object.name}: ${errorText(error)}`;
            await ledger.mark(object.id, 'failed', failure);
            log('error', failure, taskRun.id);
          }
        }
        // A commit failure does not stop the other commits: each is reported on its own task.
        await setTaskRun(
          db,
          taskRun.id,
          failure ? { status: 'not_committed', message: failure } : { status: 'committed' },
        );
      } finally {
        await claims.release(taskRun.taskId, taskRun.id);
      }
    }
  }

  async function finish(runId: string, message?: string): Promise<string> {
    const taskRuns = await loadTaskRuns(db, runId);
    const status = deriveBatchRunStatus(taskRuns.map((t) => t.status));
    await db
      .updateTable('batch_runs')
      .set({ status, ended_at: new Date(), lease_expires_at: null, ...(message && { message }) })
      .where('id', '=', runId)
      .execute();
    return status;
  }

  return {
    ledger,

    /** Executes a run to its end. Returns its final status, or null when another node holds it. */
    async execute(runId: string, outerSignal?: AbortSignal): Promise<string | null> {
      if (!(await takeLease(runId))) return null;
      await db.updateTable('batch_runs').set({ status: 'running' }).where('id', '=', runId).execute();
      const controller = new AbortController();
      const onOuterAbort = () => controller.abort(new Error('interrupted'));
      outerSignal?.addEventListener('abort', onOuterAbort);
      const stopHeartbeat = heartbeat(runId, controller);
      const log = createRunLogger(db, runId);
      try {
        const taskRuns = await loadTaskRuns(db, runId);
        const stagedInRun = new Map<string, StagedObject>();
        let ok = true;
        for (const taskRun of taskRuns) {
          if (controller.signal.aborted || !(await runTask(runId, taskRun, controller.signal, log, stagedInRun))) {
            ok = false;
            break;
          }
        }
        const current = await loadTaskRuns(db, runId);
        if (ok && !controller.signal.aborted) await commit(current, log, new AbortController().signal);
        else await rollBack(current, log);
        await log.flush();
        return await finish(runId, controller.signal.aborted ? 'Interrupted' : undefined);
      } finally {
        stopHeartbeat();
        outerSignal?.removeEventListener('abort', onOuterAbort);
      }
    },

    /**
     * Finishes a run whose node died: if committing had begun, commit what is left (the run had
     * succeeded); otherwise roll back everything staged. Needs the lease to have expired.
     */
    async recover(runId: string): Promise<string | null> {
      if (!(await takeLease(runId))) return null;
      const log = createRunLogger(db, runId);
      log('warn', `recovering the run on node ${deps.nodeId} after its node stopped`);
      const taskRuns = await loadTaskRuns(db, runId);
      const committing = taskRuns.some((t) => ['committing', 'committed', 'not_committed'].includes(t.status));
      for (const t of taskRuns) await db.deleteFrom('task_claims').where('task_run_id', '=', t.id).execute();
      if (committing) {
        await commit(taskRuns, log, new AbortController().signal);
      } else {
        for (const t of taskRuns.filter((x) => x.status === 'running')) {
          await setTaskRun(db, t.id, { status: 'failed', message: 'The node running it stopped', ended: true });
          await undoStaged(t, log);
        }
        await rollBack(await loadTaskRuns(db, runId), log);
      }
      await log.flush();
      return finish(runId);
    },

    /** Asks a run to stop; the task sees its AbortSignal within one heartbeat. */
    async requestInterrupt(runId: string): Promise<boolean> {
      const result = await db
        .updateTable('batch_runs')
        .set({ interrupt_requested_at: new Date() })
        .where('id', '=', runId)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Runs not ended whose lease expired (their node died), oldest first. */
    async expiredRuns(): Promise<string[]> {
      const rows = await db
        .selectFrom('batch_runs')
        .select('id')
        .where('ended_at', 'is', null)
        .where('status', '!=', 'queued')
        .where((eb) => eb.or([eb('lease_expires_at', '<', sql<Date>`now()`), eb('lease_expires_at', 'is', null)]))
        .orderBy('started_at')
        .execute();
      return rows.map((r) => r.id);
    },
  };
}

export type Executor = ReturnType<typeof createExecutor>;
