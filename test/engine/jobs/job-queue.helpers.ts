import { setTimeout as sleep } from 'node:timers/promises';

import { type Kysely, sql } from 'kysely';

import type { JobQueue } from '../../../src/engine/jobs/job-queue.ts';
import type { Database } from '../../../src/store/database.types.ts';

/** What a backend hands the contract. Every queue it makes shares one database ("nodes"). */
export interface JobQueueContractBackend {
  /** The heartbeat the queues use: a dead worker's job must run again within about twice this. */
  heartbeatSeconds: number;
  /** A new, unstarted queue instance: one node. */
  newQueue(): JobQueue;
  /** The database the queues use, for the tests' own tables. */
  db(): Kysely<Database>;
  /**
   * Runs a worker of `queue` in a child process until its handler has taken a job, then SIGKILLs
   * it. Every queue from newQueue() must be stopped first (the embedded store has one owner).
   */
  killWorkerMidJob(queue: string): Promise<{ jobId: string; killedAt: number }>;
}

/** What the contract's cases get: the backend, and a started queue ("node") that the suite stops after each case. */
export interface ContractContext {
  backend: () => JobQueueContractBackend;
  node: () => Promise<JobQueue>;
}

/** A promise with its resolve exposed; the first resolve wins. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `check` until it holds; fails after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Resolves when `signal` aborts (a handler that runs until it is cancelled). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Runs recorded in job_contract_runs: all, distinct keys, per node. */
export async function countRuns(
  db: Kysely<Database>,
): Promise<{ total: number; distinct: number; byNode: Record<string, number> }> {
  const { rows } = await sql<{ node: string; total: number; distinct: number }>`
    SELECT node, count(*)::int AS total, count(DISTINCT key)::int AS distinct
    FROM job_contract_runs GROUP BY ROLLUP (node)`.execute(db);
  const all = rows.find((row) => row.node === null);
  const byNode = Object.fromEntries(rows.filter((row) => row.node !== null).map((row) => [row.node, row.total]));
  return { total: all?.total ?? 0, distinct: all?.distinct ?? 0, byNode };
}
