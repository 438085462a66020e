import type { Kysely } from 'kysely';

import type { Database } from '../../store/database.types.ts';
import type { StagedObject, TaskActionContext, TaskRunContext, TaskServices } from '../../tasks/task-type.ts';
import type { Ledger } from './ledger.ts';

export type RunLogger = (level: 'info' | 'warn' | 'error', message: string, taskRunId?: string) => void;

/** A run's logger, and `flush()`: resolves once every line written so far is stored. */
export interface RunLog extends RunLogger {
  flush(): Promise<void>;
}

/**
 * Writes run log lines; failures to log never fail a run. The inserts are chained, so lines get
 * their ids in the order they were written: a reader paging with `after` never skips one. The
 * executor flushes before it ends a run, so a reader that sees the run ended has every line.
 */
export function createRunLogger(db: Kysely<Database>, batchRunId: string): RunLog {
  let tail: Promise<unknown> = Promise.resolve();
  const log: RunLogger = (level, message, taskRunId) => {
    const row = { batch_run_id: batchRunId, task_run_id: taskRunId ?? null, level, message: message.slice(0, 10_000) };
    tail = tail.then(() => db.insertInto('run_log').values(row).execute()).catch(() => undefined);
  };
  return Object.assign(log, { flush: () => tail.then(() => undefined) });
}

export function actionContext(
  signal: AbortSignal,
  services: TaskServices,
  log: RunLogger,
  taskRunId: string,
): TaskActionContext {
  return { signal, services, log: (level, message) => log(level, message, taskRunId) };
}

interface RunContextOptions {
  db: Kysely<Database>;
  ledger: Ledger;
  services: TaskServices;
  log: RunLogger;
  signal: AbortSignal;
  runId: string;
  taskRunId: string;
  taskName: string;
  attributes: Readonly<Record<string, string>>;
  /** Objects staged by earlier tasks of this run, by `kind:name`; this task's are added. */
  stagedInRun: Map<string, StagedObject>;
}

/** The context a task's `run` gets: staging through the ledger, progress, the run's staged objects. */
export function runContext(options: RunContextOptions): TaskRunContext {
  let seq = 0;
  let lastProgress = 0;
  return {
    ...actionContext(options.signal, options.services, options.log, options.taskRunId),
    runId: options.runId,
    taskName: options.taskName,
    attributes: options.attributes,
    async stage(object) {
      const recorded = await options.ledger.record(options.taskRunId, ++seq, object);
      options.stagedInRun.set(`${object.kind}:${object.name}`, recorded);
      return recorded;
    },
    findStaged: (kind, name) => options.stagedInRun.get(`${kind}:${name}`),
    progress(done, total, unit) {
      // At most one write a second: progress may be reported per row.
      const now = Date.now();
      if (now - lastProgress < 1000 && (total === undefined || done < total)) return;
      lastProgress = now;
      void options.db
        .updateTable('task_runs')
        .set({
          progress: JSON.stringify({ done, total: total ?? null, unit: unit ?? null, at: new Date().toISOString() }),
        })
        .where('id', '=', options.taskRunId)
        .execute()
        .catch(() => undefined);
    },
  };
}
