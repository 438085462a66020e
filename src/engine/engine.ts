import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';

import type { Database } from '../store/database.types.ts';
import { createRun, insertRun, type NewRun } from './executor/create-run.ts';
import type { Executor } from './executor/executor.ts';
import type { JobQueue } from './jobs/job-queue.ts';
import { loadRunReport } from './reports/load-run-report.ts';
import { type ReportSettings, sendRunReport } from './reports/run-report.ts';
import { claimDueFires, type DueFire } from './scheduler/schedule-loop.ts';

const RUN_QUEUE = 'batch-run';
const STALE_QUEUED_MS = 60_000;
const REQUEUE_EVERY_MS = 10_000;

export interface EngineOptions {
  db: Kysely<Database>;
  executor: Executor;
  queue: JobQueue;
  logger: Logger;
  /** How often schedules and expired leases are checked (default 1 s). */
  tickMs?: number;
  /** Batch runs one node executes at once (default 2). */
  concurrency?: number;
  now?: () => Date;
  /** Called after each run this node executed has ended (e.g. re-validation after `@Initialize`). */
  afterRun?: (batchId: string) => Promise<void>;
  /** Where run reports go when a run ends (webhook, filter). */
  reports?: ReportSettings;
}

/**
 * Ties schedules, the job queue and the executor together on one node: fires become queued
 * runs, queued runs are executed by whichever node takes the job, and runs whose node died are
 * recovered.
 */
export function createEngine(options: EngineOptions) {
  const { db, executor, queue, logger } = options;
  const now = options.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;

  async function enqueue(runId: string, batchId: string, key?: string, startAfter?: Date): Promise<void> {
    await queue.enqueue(RUN_QUEUE, { runId }, { singletonKey: batchId, key: key ?? runId, retryLimit: 0, startAfter });
  }

  let lastRequeue = 0;

  /**
   * A run still queued a minute after it was created may have lost its job (a node died between
   * recording the run and enqueueing it). Enqueueing again is idempotent: the job key is the run id.
   */
  async function requeueStale(): Promise<void> {
    if (now().getTime() - lastRequeue < REQUEUE_EVERY_MS) return;
    lastRequeue = now().getTime();
    const stale = await db
      .selectFrom('batch_runs')
      .select(['id', 'batch_id'])
      .where('status', '=', 'queued')
      .where('started_at', '<', new Date(now().getTime() - STALE_QUEUED_MS))
      .execute();
    for (const run of stale) await enqueue(run.id, run.batch_id);
  }

  async function tick(): Promise<void> {
    if (ticking) return;
    ticking = true;
    try {
      const record = (trx: Transaction<Database>, fire: DueFire) =>
        insertRun(trx, {
          batchId: fire.batchId,
          trigger: fire.trigger,
          fireTime: fire.fireTime,
          startedBy: 'schedule',
        });
      // The run is recorded with its claim; a node dying before the enqueue below leaves it
      // queued, and requeueStale hands it to the queue a minute later.
      for (const fire of await claimDueFires(db, now(), logger, record)) {
        if (fire.runId) await enqueue(fire.runId, fire.batchId);
      }
      await requeueStale();
      for (const runId of await executor.expiredRuns()) {
        const status = await executor.recover(runId);
        if (status) logger.warn({ runId, status }, 'recovered a run whose node stopped');
      }
    } catch (error) {
      logger.error({ err: error }, 'engine tick failed');
    } finally {
      ticking = false;
    }
  }

  return {
    async start(): Promise<void> {
      await queue.start();
      await queue.work<{ runId: string }>(RUN_QUEUE, { concurrency: options.concurrency ?? 2 }, async (job) => {
        const status = await executor.execute(job.data.runId, job.signal);
        logger.info({ runId: job.data.runId, status }, 'batch run ended');
        if (!status) return;
        const report = await loadRunReport(db, job.data.runId);
        await options
          .afterRun?.(report.batchId)
          .catch((error: unknown) => logger.warn({ err: error }, 'after-run step failed'));
        if (options.reports) await sendRunReport(options.reports, report, logger);
      });
      await tick();
      timer = setInterval(() => void tick(), options.tickMs ?? 1000);
    },

    /** Queues a run of a batch, now or at `startAfter`; returns the run id to follow. */
    async runNow(run: NewRun, startAfter?: Date): Promise<string> {
      const runId = await createRun(db, run);
      await enqueue(runId, run.batchId, undefined, startAfter);
      return runId;
    },

    tick,

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await queue.stop({ graceful: true, timeoutMs: 10_000 });
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
