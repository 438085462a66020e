/**
 * A geosync context for tests, on a fresh store: PostgreSQL (a new database from the run's
 * cluster) or embedded PGlite (in a temp folder). Choose with `backend`, or with the environment
 * variable GEOSYNC_TEST_STORE=pglite|postgres (default postgres: much faster to create).
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';

import { loadConfig } from '../../src/config/load-config.ts';
import type { GeosyncContext } from '../../src/context.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createGeosync } from '../../src/main.ts';
import type { StoreBackend } from '../../src/store/store.ts';
import type { TaskType } from '../../src/tasks/task-type.ts';
import { createTestDatabase } from './postgres.ts';
import { makeTempDir } from './temp-dir.ts';

export const TEST_ADMIN_PASSWORD = 'admin-test-password-1';

export interface TestGeosync {
  ctx: GeosyncContext;
  dataDir: string;
  /** Every log line written so far (JSON), for tests that check what is (not) logged. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestGeosyncOptions {
  backend?: StoreBackend;
  /** Extra settings (merged over the test defaults). */
  settings?: Record<string, unknown>;
  /** Load PostGIS into a PGlite store (slow: ~10 s). */
  postgis?: boolean;
  /** Task types to register (e.g. the test-only ones); default the built-in list. */
  taskTypes?: readonly TaskType[];
  /** Start the engine (scheduler, job queue workers) as `serve` does. */
  engine?: boolean;
}

export function testBackend(): StoreBackend {
  return process.env.GEOSYNC_TEST_STORE === 'pglite' ? 'pglite' : 'postgres';
}

export async function createTestGeosync(options: TestGeosyncOptions = {}): Promise<TestGeosync> {
  const backend = options.backend ?? testBackend();
  const dataDir = makeTempDir('geosync-test-');
  const database = backend === 'postgres' ? await createTestDatabase('gs') : undefined;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({
    env: {},
    file: undefined,
    overrides: {
      dataDir,
      server: { host: '127.0.0.1', port: 0 },
      store: { ...(database && { url: database.url }), postgis: options.postgis ?? false },
      admin: { password: TEST_ADMIN_PASSWORD },
      log: { level: 'info' },
      ...options.settings,
    },
  });
  const { ctx } = await createGeosync(config, createLogger('info', sink), {
    prepare: true,
    taskTypes: options.taskTypes,
  });
  await ctx.extensionsReady;
  if (options.engine) await ctx.startEngine();
  return {
    ctx,
    dataDir,
    logs,
    async close() {
      await ctx.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
