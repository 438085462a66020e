/**
 * `JobQueue` on pg-boss (pinned 12.35.0), for both store backends: PostgreSQL through pg-boss's
 * own pool, embedded PGlite through the store's worker thread (./pglite-boss-db.ts). Measured
 * behaviour and costs: docs/decisions/0004-jobs-on-pg-boss.md.
 */
import { randomUUID } from 'node:crypto';

import { PgBoss, type ConstructorOptions, type JobWithMetadata } from 'pg-boss';

import { OperationalError } from '../../errors/errors.ts';
import type { PgliteClient } from '../../store/pglite/pglite-client.ts';
import {
  checkEnqueueOptions,
  checkJobData,
  checkJobId,
  checkQueueName,
  jobIdForKey,
  type EnqueueOptions,
  type JobInfo,
  type JobQueue,
} from './job-queue.ts';
import { errorMessage, settlesWithin } from './pg-boss-support.ts';
import { pgliteBossDb } from './pglite-boss-db.ts';

export type PgBossQueueTarget = { backend: 'postgres'; url: string } | { backend: 'pglite'; client: PgliteClient };

/** Where pg-boss reports trouble; a pino logger fits. */
export interface JobQueueLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PgBossQueueSettings {
  /** Schema of pg-boss's tables. Default `geosync_jobs`. */
  schema?: string;
  /** A running job's worker must refresh it this often, else it counts as dead and its job is retried. Min 10 (pg-boss). Default 10. */
  heartbeatSeconds?: number;
  /** How often a running job is refreshed, which is also how soon a cancel reaches its signal. Default 1. */
  cancelCheckSeconds?: number;
  /** How often jobs of dead workers are looked for (and which singleton keys are busy). Default 5. */
  superviseSeconds?: number;
  /** How often an idle worker looks for jobs (min 0.5). Default 1. */
  pollingSeconds?: number;
  /** A job running longer fails (pg-boss caps this at 24 h). Default 24 h. */
  maxRunSeconds?: number;
  /** Retries of a failed job when enqueue gives none. Default 2. */
  retryLimit?: number;
  logger?: JobQueueLogger;
}

/** How long stop() waits for aborted handlers to return before closing the pool under them. */
const ABORTED_HANDLER_GRACE_MS = 2000;

const consoleLogger: JobQueueLogger = {
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

/** A `JobQueue` on pg-boss; call `start()` before anything else. */
export function createPgBossQueue(target: PgBossQueueTarget, settings: PgBossQueueSettings = {}): JobQueue {
  const heartbeatSeconds = settings.heartbeatSeconds ?? 10;
  const superviseSeconds = settings.superviseSeconds ?? 5;
  const pollingSeconds = settings.pollingSeconds ?? 1;
  const cancelCheckSeconds = settings.cancelCheckSeconds ?? 1;
  const logger = settings.logger ?? consoleLogger;

  const options: ConstructorOptions = {
    schema: settings.schema ?? 'geosync_jobs',
    // geosync evaluates schedules itself (croner, Quartz syntax); pg-boss's cron stays off.
    schedule: false,
    // Dead-worker detection (heartbeat) and timeouts run in the monitor pass; the queue cache holds
    // the busy singleton keys that fetches skip, so all three share one short interval.
    superviseIntervalSeconds: superviseSeconds,
    monitorIntervalSeconds: superviseSeconds,
    queueCacheIntervalSeconds: superviseSeconds,
    ...(target.backend === 'postgres'
      ? { connectionString: target.url, application_name: 'geosync-jobs' }
      : { db: pgliteBossDb(target.client), backend: 'pglite' as const }),
  };
  const boss = new PgBoss(options);
  // Without a listener an 'error' event would throw out of pg-boss's timers and end the process.
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  boss.on('warning', (warning) => logger.warn({ warning }, 'job queue warning'));

  const worked = new Set<string>();
  const stopping = new AbortController();

  // Queues are created on first use, once per process (createQueue is idempotent, but a round trip).
  const queues = new Map<string, Promise<void>>();
  const ensureQueue = (name: string): Promise<void> => {
    let ready = queues.get(name);
    if (!ready) {
      ready = boss.createQueue(name, {
        // 'singleton': at most one active job per singletonKey. Jobs without one get a key of their
        // own (see enqueue), since pg-boss treats all key-less jobs as one key.
        policy: 'singleton',
        heartbeatSeconds,
        expireInSeconds: settings.maxRunSeconds ?? 24 * 60 * 60,
        retryLimit: settings.retryLimit ?? 2,
      });
      queues.set(name, ready);
      ready.catch(() => queues.delete(name));
    }
    return ready;
  };
  // Reads do not create queues: an unknown queue simply has no jobs.
  const queueExists = async (name: string): Promise<boolean> => {
    if (queues.has(name)) return true;
    return (await boss.getQueue(name)) !== null;
  };

  const getJob = async (queue: string, jobId: string): Promise<JobWithMetadata | null> => {
    checkQueueName(queue);
    checkJobId(jobId);
    if (!(await queueExists(queue))) return null;
    return boss.getJobById(queue, jobId);
  };

  return {
    async start() {
      await boss.start();
    },

    async stop({ graceful = true, timeoutMs = 30_000 } = {}) {
      // Stop fetching; offWork({ wait }) resolves once each worker's current job is settled.
      const drained = Promise.allSettled([...worked].map((queue) => boss.offWork(queue, { wait: true })));
      if (!graceful || !(await settlesWithin(drained, timeoutMs))) {
        stopping.abort(new OperationalError('job_queue_stopped', 'The job queue stopped while the job ran'));
        await settlesWithin(drained, ABORTED_HANDLER_GRACE_MS);
      }
      // Handlers still running now ignore their signal: pg-boss fails their jobs and closes its pool.
      await boss.stop({ graceful: false, close: true });
    },

    async enqueue<T extends object>(queue: string, data: T, enqueueOptions: EnqueueOptions = {}) {
      checkQueueName(queue);
      checkJobData(data);
      checkEnqueueOptions(enqueueOptions);
      await ensureQueue(queue);
      const id = enqueueOptions.key === undefined ? randomUUID() : jobIdForKey(queue, enqueueOptions.key);
      // A duplicate id is skipped (ON CONFLICT DO NOTHING) and send() returns null: the idempotency.
      return boss.send(queue, data, {
        id,
        singletonKey: enqueueOptions.singletonKey ?? `job:${id}`,
        ...(enqueueOptions.startAfter && { startAfter: enqueueOptions.startAfter }),
        ...(enqueueOptions.retryLimit !== undefined && { retryLimit: enqueueOptions.retryLimit }),
      });
    },

    async work<T extends object>(
      queue: string,
      { concurrency = 1 }: { concurrency?: number },
      handler: (job: { id: string; data: T; signal: AbortSignal }) => Promise<void>,
    ) {
      checkQueueName(queue);
      await ensureQueue(queue);
      worked.add(queue);
      await boss.work<T>(
        queue,
        {
          batchSize: 1,
          localConcurrency: concurrency,
          pollingIntervalSeconds: pollingSeconds,
          // With a backlog (e.g. many batches firing at 02:00), fetch again as soon as a job is
          // taken instead of one job per worker per polling interval (2 runs/s per node by default).
          burstWhenReadyExceeds: 1,
          // The heartbeat is what notices a cancel: pg-boss aborts job.signal when its refresh finds
          // the job no longer active under this worker.
          heartbeatRefreshSeconds: cancelCheckSeconds,
        },
        async ([job]) => {
          if (!job) return;
          await handler({ id: job.id, data: job.data, signal: AbortSignal.any([job.signal, stopping.signal]) });
          // Cut short by stop(): fail the job so it runs again elsewhere, whatever the handler returned.
          if (stopping.signal.aborted) throw stopping.signal.reason;
        },
      );
    },

    async cancel(queue, jobId) {
      checkQueueName(queue);
      checkJobId(jobId);
      if (await queueExists(queue)) await boss.cancel(queue, jobId);
    },

    async state(queue, jobId) {
      return (await getJob(queue, jobId))?.state ?? null;
    },

    async info(queue, jobId): Promise<JobInfo | null> {
      const job = await getJob(queue, jobId);
      if (!job) return null;
      const error = job.state === 'failed' || job.state === 'retry' ? errorMessage(job.output) : undefined;
      return { id: job.id, state: job.state, retryCount: job.retryCount, ...(error !== undefined && { error }) };
    },
  };
}
