/**
 * The engine's job queue: the only surface the engine uses to hand work (batch runs, schedule
 * fires) to whichever node takes it. One implementation today (pg-boss, ./pg-boss-queue.ts), on
 * both store backends; kept thin so the engine does not depend on pg-boss's API.
 */
import { createHash } from 'node:crypto';

import { UserError } from '../../errors/errors.ts';

/** Where a job is. `retry`: it failed (or its worker died) and will run again. */
export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface EnqueueOptions {
  /** Makes the enqueue idempotent across nodes: a second enqueue with the same key is a no-op. */
  key?: string;
  /** Not before this time. */
  startAfter?: Date;
  /** At most one job with this key is active at a time (e.g. one run per batch); others wait. */
  singletonKey?: string;
  /** How often a failed job (an error, or a worker that died) runs again; the queue's default otherwise. */
  retryLimit?: number;
}

/** What a handler gets. `signal` aborts when the job is cancelled or the queue stops under it. */
export interface JobContext<T> {
  id: string;
  data: T;
  signal: AbortSignal;
}

/** A job as `info` reports it; `error` is the failure message of a failed (or retrying) job. */
export interface JobInfo {
  id: string;
  state: JobState;
  /** How many times it was retried (0 on the first attempt). */
  retryCount: number;
  error?: string;
}

/**
 * Delivery is at least once: a job whose worker dies, or that is cut short by stop(), runs again
 * (retries permitting), so handlers must be safe to repeat. Keep run history in geosync's own
 * tables: the queue deletes finished jobs after a while.
 */
export interface JobQueue {
  start(): Promise<void>;
  /**
   * Stops taking jobs. graceful (default): running handlers get up to `timeoutMs` (30 s) to finish;
   * then, or at once when not graceful, their signals abort and their jobs fail so they run again.
   * Final: a stopped queue is not started again.
   */
  stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
  /** Enqueue; `key` (optional) makes it idempotent across nodes: a second enqueue with the same key is a no-op and returns null. */
  enqueue<T extends object>(queue: string, data: T, options?: EnqueueOptions): Promise<string | null>;
  /** Handle jobs; the handler gets an AbortSignal aborted when the job is cancelled (or the queue stops). A throw fails the job. */
  work<T extends object>(
    queue: string,
    options: { concurrency?: number },
    handler: (job: JobContext<T>) => Promise<void>,
  ): Promise<void>;
  /** Cancels a waiting or running job; a job that already ended is left as it is. */
  cancel(queue: string, jobId: string): Promise<void>;
  /** State of a job, or null when there is no such job (never created, or deleted after its retention). */
  state(queue: string, jobId: string): Promise<JobState | null>;
  /** State, retry count and failure message of a job, or null. */
  info(queue: string, jobId: string): Promise<JobInfo | null>;
}

// A fixed namespace, so every node derives the same id from the same key (RFC 4122 name-based).
const KEY_NAMESPACE = Buffer.from('5b0e6c1e8f2a4d7b9c3e0a1f2b3c4d5e', 'hex');

/**
 * The job id an enqueue with `key` gets: a UUID v5 (SHA-1) of the queue name and the key, so two
 * nodes enqueueing the same schedule fire compute the same id and the database keeps one job.
 */
export function jobIdForKey(queue: string, key: string): string {
  const hash = createHash('sha1').update(KEY_NAMESPACE).update(`${queue}\u0000${key}`, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// pg-boss's own rule for queue names (they end up in SQL text), plus a length cap.
const QUEUE_NAME = /^[\w.\-/]{1,100}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Throws a UserError unless `queue` is a usable queue name. */
export function checkQueueName(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
    throw new UserError(
      'invalid_queue_name',
      `A queue name must be 1 to 100 letters, digits, '_', '.', '-' or '/', got ${JSON.stringify(queue)}`,
      { details: [{ field: 'queue', message: 'invalid queue name' }] },
    );
  }
}

/** Throws a UserError unless `data` is a plain object (it is stored as a JSON object). */
export function checkJobData(data: unknown): asserts data is object {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data;
    throw new UserError('invalid_job_data', `Job data must be an object, got ${got}`, {
      details: [{ field: 'data', message: 'must be an object' }],
    });
  }
}

/** Throws a UserError on options the queue cannot honour (empty keys, bad dates, negative retries). */
export function checkEnqueueOptions(options: EnqueueOptions): void {
  const bad = (field: string, message: string) =>
    new UserError('invalid_job_options', `${field}: ${message}`, { details: [{ field, message }] });
  for (const field of ['key', 'singletonKey'] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw bad(field, 'must be a non-empty string');
    }
  }
  if (
    options.startAfter !== undefined &&
    !(options.startAfter instanceof Date && !isNaN(options.startAfter.getTime()))
  ) {
    throw bad('startAfter', 'must be a valid Date');
  }
  const retries = options.retryLimit;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    throw bad('retryLimit', 'must be an integer >= 0');
  }
}

/** Throws a UserError unless `jobId` is a UUID (every job id is one). */
export function checkJobId(jobId: unknown): asserts jobId is string {
  if (typeof jobId !== 'string' || !UUID.test(jobId)) {
    throw new UserError('invalid_job_id', `A job id is a UUID, got ${JSON.stringify(jobId)}`, {
      details: [{ field: 'jobId', message: 'must be a UUID' }],
    });
  }
}
