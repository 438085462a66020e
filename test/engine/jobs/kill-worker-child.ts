/**
 * Child process of the kill test (pg-boss-queue.integration.test.ts): works one queue, prints
 * `{"taken":"<job id>"}` when its handler starts, and never finishes the job; the parent SIGKILLs it.
 * Configured by the GEOSYNC_JOBS_CHILD environment variable (JSON, see ChildConfig).
 */
import { createPgBossQueue, type PgBossQueueSettings } from '../../../src/engine/jobs/pg-boss-queue.ts';
import { openStore } from '../../../src/store/store.ts';

export interface ChildConfig {
  target: { backend: 'postgres'; url: string } | { backend: 'pglite'; dataDir: string };
  queue: string;
  settings: PgBossQueueSettings;
}

const config = JSON.parse(process.env.GEOSYNC_JOBS_CHILD ?? '{}') as ChildConfig;
const { target } = config;
const store = target.backend === 'pglite' ? await openStore({ ...target, postgis: false }) : undefined;
const queue = createPgBossQueue(
  store?.pglite
    ? { backend: 'pglite', client: store.pglite }
    : { backend: 'postgres', url: (target as { url: string }).url },
  config.settings,
);
await queue.start();
await queue.work(config.queue, {}, async (job) => {
  process.stdout.write(`${JSON.stringify({ taken: job.id })}\n`);
  await new Promise(() => undefined); // busy "forever": only the SIGKILL ends it
});
