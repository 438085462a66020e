import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, before, after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { type Kysely, sql } from 'kysely';

import type { JobQueue } from '../../../src/engine/jobs/job-queue.ts';
import { UserError } from '../../../src/errors/errors.ts';
import type { Database } from '../../../src/store/database.types.ts';
import { countRuns, deferred, untilAborted, waitFor } from './job-queue.helpers.ts';

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

const userError = (code: string) => (error: unknown) => error instanceof UserError && error.code === code;

/** The behaviour every JobQueue has, on every store backend. */
export function jobQueueContract(
  name: string,
  make: () => Promise<{ backend: JobQueueContractBackend; cleanup(): Promise<void> }>,
): void {
  describe(`job queue contract: ${name}`, { concurrency: 1 }, () => {
    let backend: JobQueueContractBackend;
    let cleanup: () => Promise<void>;
    let nodes: JobQueue[] = [];
    const node = async () => {
      const queue = backend.newQueue();
      nodes.push(queue);
      await queue.start();
      return queue;
    };
    before(async () => ({ backend, cleanup } = await make()));
    afterEach(async () => {
      await Promise.all(nodes.map((queue) => queue.stop({ graceful: false })));
      nodes = [];
    });
    after(async () => cleanup?.());

    test('enqueue, work, completed', async () => {
      const a = await node();
      const seen = deferred<unknown>();
      const id = await a.enqueue('basic', { hello: 'world' });
      assert.ok(id);
      assert.equal(await a.state('basic', id), 'created');
      await a.work<{ hello: string }>('basic', {}, async (job) => seen.resolve({ id: job.id, data: job.data }));
      assert.deepEqual(await seen.promise, { id, data: { hello: 'world' } });
      await waitFor(async () => (await a.state('basic', id)) === 'completed');
      assert.equal(await a.state('basic', randomUUID()), null);
      assert.equal(await a.state('never-used', randomUUID()), null);
    });

    test('the same key twice, from two nodes at once: one job; the others get null', async () => {
      const [a, b] = [await node(), await node()];
      const ids = await Promise.all([a, b, a, b].map((q) => q.enqueue('keyed', { n: 1 }, { key: 'fire-1' })));
      const created = ids.filter((id) => id !== null);
      assert.equal(created.length, 1);
      assert.equal(await a.enqueue('keyed', { n: 2 }, { key: 'fire-1' }), null);
      assert.notEqual(await a.enqueue('keyed', { n: 3 }, { key: 'fire-2' }), null);
    });

    test('startAfter holds a job back until then', async () => {
      const a = await node();
      const ran = deferred<number>();
      const at = new Date(Date.now() + 1500);
      const id = await a.enqueue('later', {}, { startAfter: at });
      await a.work('later', {}, async () => ran.resolve(Date.now()));
      assert.ok((await ran.promise) >= at.getTime() - 50, 'ran early');
      await waitFor(async () => (await a.state('later', id!)) === 'completed');
    });

    test('a singleton key keeps one job active at a time, across nodes; other keys go on', async (t) => {
      const [a, b] = [await node(), await node()];
      const active = new Map<string, number>();
      const spans: { key: string; start: number; end: number }[] = [];
      let overlap = 0;
      const runs = [
        { key: 'batch-1', ms: 3000 },
        { key: 'batch-1', ms: 200 }, // queued ahead of batch-2: must not hold it up for 3 s
        { key: 'batch-2', ms: 200 },
      ];
      const ids: string[] = [];
      for (const run of runs) ids.push((await a.enqueue('runs', run, { singletonKey: run.key }))!);
      const handler = async (job: { data: { key: string; ms: number } }) => {
        const now = (active.get(job.data.key) ?? 0) + 1;
        active.set(job.data.key, now);
        if (now > 1) overlap++;
        const start = Date.now();
        await sleep(job.data.ms);
        active.set(job.data.key, now - 1);
        spans.push({ key: job.data.key, start, end: Date.now() });
      };
      await a.work('runs', { concurrency: 2 }, handler);
      await b.work('runs', { concurrency: 2 }, handler);
      const done = async () =>
        (await Promise.all(ids.map((id) => a.state('runs', id)))).every((s) => s === 'completed');
      await waitFor(done, 20_000);
      assert.equal(overlap, 0, 'two jobs of one singleton key were active together');
      const [first] = spans.filter((span) => span.key === 'batch-1').sort((x, y) => x.start - y.start);
      const other = spans.find((span) => span.key === 'batch-2')!;
      t.diagnostic(`batch-2 started ${other.start - first!.start} ms after batch-1 (which ran 3000 ms)`);
      assert.ok(other.start < first!.end, 'a busy singleton key held up another key until it finished');
    });

    test('cancel reaches the running handler signal; the job stays cancelled', async (t) => {
      const a = await node();
      const started = deferred<void>();
      const aborted = deferred<number>();
      const id = (await a.enqueue('cancel', {}))!;
      await a.work('cancel', {}, async (job) => {
        started.resolve();
        await untilAborted(job.signal);
        aborted.resolve(Date.now());
      });
      await started.promise;
      const cancelledAt = Date.now();
      await a.cancel('cancel', id);
      const latency = (await aborted.promise) - cancelledAt;
      t.diagnostic(`cancel → signal: ${latency} ms`);
      assert.ok(latency < 2000, `signal fired after ${latency} ms`);
      await sleep(300);
      assert.equal(await a.state('cancel', id), 'cancelled');
      await a.cancel('cancel', id); // cancelling an ended job is a no-op
    });

    test('a throwing handler fails the job and keeps the message; a retry runs it again', async () => {
      const a = await node();
      const failing = (await a.enqueue('fail', { retry: false }, { retryLimit: 0 }))!;
      const flaky = (await a.enqueue('fail', { retry: true }, { retryLimit: 1 }))!;
      const attempts = new Map<string, number>();
      await a.work<{ retry: boolean }>('fail', { concurrency: 2 }, async (job) => {
        attempts.set(job.id, (attempts.get(job.id) ?? 0) + 1);
        if (!job.data.retry || attempts.get(job.id) === 1) throw new Error(`disk full on ${job.id}`);
      });
      await waitFor(async () => (await a.state('fail', failing)) === 'failed');
      assert.equal((await a.info('fail', failing))?.error, `disk full on ${failing}`);
      await waitFor(async () => (await a.state('fail', flaky)) === 'completed');
      assert.equal((await a.info('fail', flaky))?.retryCount, 1);
    });

    test('bad input is a UserError', async () => {
      const a = await node();
      await assert.rejects(a.enqueue('', {}), userError('invalid_queue_name'));
      await assert.rejects(a.enqueue('has space', {}), userError('invalid_queue_name'));
      await assert.rejects(a.enqueue('q', 'text' as unknown as object), userError('invalid_job_data'));
      await assert.rejects(a.enqueue('q', null as unknown as object), userError('invalid_job_data'));
      await assert.rejects(a.enqueue('q', [1, 2]), userError('invalid_job_data'));
      await assert.rejects(a.enqueue('q', {}, { key: '' }), userError('invalid_job_options'));
      await assert.rejects(a.enqueue('q', {}, { retryLimit: -1 }), userError('invalid_job_options'));
      await assert.rejects(
        a.work('', {}, async () => undefined),
        userError('invalid_queue_name'),
      );
      await assert.rejects(a.cancel('q', 'not-a-uuid'), userError('invalid_job_id'));
      await assert.rejects(a.state('q', '42'), userError('invalid_job_id'));
    });

    test('two nodes, 200 keyed jobs enqueued by both: each runs exactly once', async (t) => {
      const db = backend.db();
      await sql`CREATE TABLE job_contract_runs (key text NOT NULL, node text NOT NULL)`.execute(db);
      const [a, b] = [await node(), await node()];
      const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
      const t0 = Date.now();
      const ids = await Promise.all(keys.flatMap((key) => [a, b].map((q) => q.enqueue('many', { key }, { key }))));
      assert.equal(ids.filter((id) => id !== null).length, 200);
      for (const [label, q] of [
        ['a', a],
        ['b', b],
      ] as const) {
        await q.work<{ key: string }>('many', { concurrency: 10 }, async (job) => {
          await sql`INSERT INTO job_contract_runs VALUES (${job.data.key}, ${label})`.execute(db);
        });
      }
      await waitFor(async () => (await countRuns(db)).total >= 200, 30_000);
      const seconds = (Date.now() - t0) / 1000;
      await sleep(1000); // a duplicate would show up by now
      const { total, distinct, byNode } = await countRuns(db);
      t.diagnostic(
        `200 jobs in ${seconds.toFixed(1)} s (${(200 / seconds).toFixed(0)} jobs/s), by node ${JSON.stringify(byNode)}`,
      );
      assert.deepEqual({ total, distinct }, { total: 200, distinct: 200 });
    });

    test('a node stopping without grace: its handler is aborted and another node runs the job', async () => {
      const [a, b] = [await node(), await node()];
      const aborted = deferred<void>();
      const id = (await a.enqueue('handover', {}))!;
      const onA = deferred<void>();
      await a.work('handover', {}, async (job) => {
        onA.resolve();
        await untilAborted(job.signal);
        aborted.resolve();
      });
      await onA.promise;
      const onB = deferred<string>();
      await b.work('handover', {}, async (job) => onB.resolve(job.id));
      await a.stop({ graceful: false });
      await aborted.promise;
      assert.equal(await onB.promise, id);
    });

    // Last: on PGlite it closes and reopens the store around the child process.
    test('a worker killed mid-job: the job runs again on another node after its heartbeat lapses', async (t) => {
      const a = await node();
      const id = await a.enqueue('killed', { big: 'transfer' });
      await a.stop(); // nothing may work the queue but the child
      const { jobId, killedAt } = await backend.killWorkerMidJob('killed');
      assert.equal(jobId, id);
      const b = await node();
      const rerun = deferred<number>();
      await b.work('killed', {}, async (job) => (job.id === jobId ? rerun.resolve(Date.now()) : undefined));
      const recovery = (await rerun.promise) - killedAt;
      t.diagnostic(`SIGKILL → job running again: ${recovery} ms (heartbeat ${backend.heartbeatSeconds} s)`);
      assert.ok(recovery < backend.heartbeatSeconds * 2000, `re-run after ${recovery} ms`);
      await waitFor(async () => (await b.state('killed', jobId)) === 'completed');
      assert.equal((await b.info('killed', jobId))?.retryCount, 1);
    });
  });
}
