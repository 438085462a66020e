import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { sql } from 'kysely';

import { type ContractContext, countRuns, deferred, untilAborted, waitFor } from './job-queue.helpers.ts';

/** The job-queue contract's cases with several nodes on one database (see jobQueueContract). */
export function nodeCases({ backend, node }: ContractContext): void {
  test('a singleton key keeps one job active at a time, across nodes; other keys go on', async (t) => {
    const [a, b] = [await node(), await node()];
    const spans: { key: string; ms: number; start: number; end: number }[] = [];
    const runs = [
      { key: 'batch-1', ms: 4000 },
      { key: 'batch-1', ms: 200 }, // queued ahead of batch-2: must not hold it up for 4 s
      { key: 'batch-2', ms: 200 },
    ];
    const ids: string[] = [];
    for (const run of runs) ids.push((await a.enqueue('runs', run, { singletonKey: run.key }))!);
    const handler = async (job: { data: { key: string; ms: number } }) => {
      const start = Date.now();
      await sleep(job.data.ms);
      spans.push({ ...job.data, start, end: Date.now() });
    };
    await a.work('runs', { concurrency: 2 }, handler);
    await b.work('runs', { concurrency: 2 }, handler);
    const done = async () => (await Promise.all(ids.map((id) => a.state('runs', id)))).every((s) => s === 'completed');
    await waitFor(done, 20_000);
    const t0 = Math.min(...spans.map((span) => span.start));
    const seen = JSON.stringify(spans.map((span) => ({ ...span, start: span.start - t0, end: span.end - t0 })));
    const [x, y] = spans.filter((span) => span.key === 'batch-1');
    assert.ok(x!.end <= y!.start || y!.end <= x!.start, `batch-1 ran twice at once: ${seen}`);
    const long = spans.find((span) => span.ms === 4000)!;
    const other = spans.find((span) => span.key === 'batch-2')!;
    t.diagnostic(`batch-2 started ${other.start - long.start} ms after the 4 s batch-1 job`);
    assert.ok(other.start < long.end, `a busy singleton key held up another key until it finished: ${seen}`);
  });

  test('two nodes, 200 keyed jobs enqueued by both: each runs exactly once', async (t) => {
    const db = backend().db();
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
      await q.work<{ key: string }>('many', { concurrency: 20 }, async (job) => {
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

  test('a graceful stop lets the running handler finish, and the job completes', async () => {
    const a = await node();
    const id = (await a.enqueue('graceful', {}))!;
    const started = deferred<void>();
    let abortedAtEnd: boolean | undefined;
    await a.work('graceful', {}, async (job) => {
      started.resolve();
      await sleep(500);
      abortedAtEnd = job.signal.aborted;
    });
    await started.promise;
    await a.stop({ graceful: true, timeoutMs: 5000 });
    assert.equal(abortedAtEnd, false);
    assert.equal(await (await node()).state('graceful', id), 'completed');
  });

  // Last: on PGlite it closes and reopens the store around the child process.
  test('a worker killed mid-job: the job runs again on another node after its heartbeat lapses', async (t) => {
    const a = await node();
    const id = await a.enqueue('killed', { big: 'transfer' });
    await a.stop(); // nothing may work the queue but the child
    const { jobId, killedAt } = await backend().killWorkerMidJob('killed');
    assert.equal(jobId, id);
    const b = await node();
    const rerun = deferred<number>();
    await b.work('killed', {}, async (job) => (job.id === jobId ? rerun.resolve(Date.now()) : undefined));
    const recovery = (await rerun.promise) - killedAt;
    t.diagnostic(`SIGKILL → job running again: ${recovery} ms (heartbeat ${backend().heartbeatSeconds} s)`);
    assert.ok(recovery < backend().heartbeatSeconds * 2000, `re-run after ${recovery} ms`);
    await waitFor(async () => (await b.state('killed', jobId)) === 'completed');
    assert.equal((await b.info('killed', jobId))?.retryCount, 1);
  });
}
