import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, before, after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { JobQueue } from '../../../src/engine/jobs/job-queue.ts';
import { UserError } from '../../../src/errors/errors.ts';
import { nodeCases } from './job-queue-nodes.contract.ts';
import { deferred, type JobQueueContractBackend, untilAborted, waitFor } from './job-queue.helpers.ts';

export type { JobQueueContractBackend } from './job-queue.helpers.ts';

const userError = (code: string) => (error: unknown) => error instanceof UserError && error.code === code;

/** The behaviour every JobQueue has, on every store backend; the cases with several nodes are in job-queue-nodes.contract.ts. */
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
    before(async () => {
      const setup = await make();
      backend = setup.backend;
      cleanup = () => setup.cleanup();
    });
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

    nodeCases({ backend: () => backend, node });
  });
}
