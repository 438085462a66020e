import pg from 'pg';

import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import { abortedResult } from '../test-results.ts';
import { checkPostgis, describePgError } from './postgis-check.ts';
import { connectClient, destroyClient, pgClientConfig } from './postgis-client.ts';
import { type PostgisConfig, postgisConfigSchema } from './postgis.config.ts';

const endQuietly = (client: pg.Client): Promise<void> => client.end().catch(() => undefined);

/**
 * A pool for data work on a PostGIS connection. With sslMode `prefer`, one connection is opened
 * first to learn whether the server speaks TLS, so every pooled connection does the same.
 */
export async function createPool(
  config: PostgisConfig,
  options: { max?: number; signal?: AbortSignal } = {},
): Promise<pg.Pool> {
  const { client, ssl } = await connectClient(config, options.signal ?? new AbortController().signal);
  await endQuietly(client);
  const pool = new pg.Pool({ ...pgClientConfig(config, ssl), max: options.max ?? 10 });
  // An idle pooled connection dropped by the server must not crash the process; the next
  // checkout reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** One PostGIS connection; it opens a client per test() and keeps nothing open in between. */
class PostgisConnector implements Connector {
  /** Aborted by close(), so a test() still running lets go of its socket. */
  private readonly closing = new AbortController();

  constructor(private readonly config: PostgisConfig) {}

  async test(outer: AbortSignal): Promise<TestResult> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    if (signal.aborted) return abortedResult(signal);
    let client: pg.Client | undefined;
    const stop = () => client && destroyClient(client);
    try {
      ({ client } = await connectClient(this.config, signal));
      signal.addEventListener('abort', stop, { once: true });
      return await checkPostgis(client, this.config);
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: describePgError(error, this.config) };
    } finally {
      signal.removeEventListener('abort', stop);
      if (client) await endQuietly(client);
    }
  }

  close(): Promise<void> {
    this.closing.abort();
    return Promise.resolve();
  }
}

/** PostgreSQL with PostGIS: the main database geosync reads from and publishes. */
export const postgisConnectorType: ConnectorType<PostgisConfig> = {
  type: 'postgis',
  kind: 'database',
  title: 'PostGIS',
  description: 'A PostgreSQL database with the PostGIS extension.',
  config: postgisConfigSchema,
  secretFields: ['password'],
  testable: true,
  userCreatable: true,
  create: (config) => new PostgisConnector(config),
};
