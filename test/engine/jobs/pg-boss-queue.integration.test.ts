/**
 * The job-queue contract on pg-boss, on both store backends: PostgreSQL (a fresh database, queues
 * with their own pools) and embedded PGlite (queues on the store's worker thread).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe } from 'node:test';

import { createPgBossQueue, type PgBossQueueSettings } from '../../../src/engine/jobs/pg-boss-queue.ts';
import { openStore, type Store } from '../../../src/store/store.ts';
import { createTestDatabase } from '../../helpers/postgres.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';
import { jobQueueContract, type JobQueueContractBackend } from './job-queue.contract.ts';
import type { ChildConfig } from './kill-worker-child.ts';

// pg-boss's minimum heartbeat is 10 s; everything else is short so the suite stays quick.
const SETTINGS: PgBossQueueSettings = {
  heartbeatSeconds: 10,
  superviseSeconds: 1,
  pollingSeconds: 0.5,
  cancelCheckSeconds: 1,
  logger: { warn: () => undefined, error: (obj, msg) => console.error(msg, obj) },
};
const CHILD = path.join(import.meta.dirname, 'kill-worker-child.ts');

/** Starts the child worker, waits until it has taken a job, SIGKILLs it. */
async function killWorkerMidJob(config: ChildConfig): Promise<{ jobId: string; killedAt: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, GEOSYNC_JOBS_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const { taken } = JSON.parse(line) as { taken?: string };
      if (!taken) continue;
      child.kill('SIGKILL');
      const killedAt = Date.now();
      await exited;
      return { jobId: taken, killedAt };
    }
    throw new Error('the child worker ended without taking a job');
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}

describe('pg-boss job queue', { concurrency: 2 }, () => {
  jobQueueContract('pg-boss on postgres', async () => {
    const database = await createTestDatabase('jobs');
    const store = await openStore({ backend: 'postgres', url: database.url });
    const settings = { ...SETTINGS, schema: 'geosync_jobs' };
    const backend: JobQueueContractBackend = {
      heartbeatSeconds: SETTINGS.heartbeatSeconds!,
      newQueue: () => createPgBossQueue({ backend: 'postgres', url: database.url }, settings),
      db: () => store.db,
      killWorkerMidJob: (queue) =>
        killWorkerMidJob({ target: { backend: 'postgres', url: database.url }, queue, settings }),
    };
    return {
      backend,
      cleanup: async () => {
        await store.close();
        await database.drop();
      },
    };
  });

  jobQueueContract('pg-boss on pglite', async () => {
    const dir = makeTempDir('gs-jobs-');
    const dataDir = path.join(dir, 'store');
    let store: Store = await openStore({ backend: 'pglite', dataDir, postgis: false });
    const backend: JobQueueContractBackend = {
      heartbeatSeconds: SETTINGS.heartbeatSeconds!,
      newQueue: () => createPgBossQueue({ backend: 'pglite', client: store.pglite! }, SETTINGS),
      db: () => store.db,
      // One process owns an embedded store: close it while the child has it, reopen after the kill.
      async killWorkerMidJob(queue) {
        await store.close();
        try {
          return await killWorkerMidJob({ target: { backend: 'pglite', dataDir }, queue, settings: SETTINGS });
        } finally {
          store = await openStore({ backend: 'pglite', dataDir, postgis: false });
        }
      },
    };
    return {
      backend,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
