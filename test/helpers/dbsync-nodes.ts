/**
 * Databases for two-way sync tests: a central and N clones, each its own database of the test
 * cluster (test/helpers/postgres.ts), reached through a REAL postgis connector (what the sync
 * code receives) and through a plain pg pool for setup and assertions.
 *
 *   const nodes = await createSyncNodes({ clones: 2 });
 *   await nodes.central.query('CREATE SCHEMA field');
 *   await prepareCentral(nodes.central.db, ...);
 *   ...
 *   after(() => nodes.close());
 */
import pg from 'pg';

import type { Connector } from '../../src/connectors/connector.ts';
import type { PostgresDatabase } from '../../src/connectors/database.ts';
import { postgisConnectorType } from '../../src/connectors/postgis/postgis.connector.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export interface SyncNodeDatabase {
  /** The connector the sync code is given (sslMode disable, superuser, trust auth). */
  db: Connector & PostgresDatabase;
  /** Connection URL (superuser). */
  url: string;
  /** Database name. */
  name: string;
  /** Runs SQL through a plain pg pool (not the connector) and returns the rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** The pool behind `query`, for transactions held across statements (`pool.connect()`). */
  pool: pg.Pool;
  /** Closes the connector and the pool, then drops the database. Safe to call twice. */
  close(): Promise<void>;
}

export interface SyncNodes {
  central: SyncNodeDatabase;
  clones: SyncNodeDatabase[];
  /** Closes and drops every database. */
  close(): Promise<void>;
}

/** One database with its connector and pool; `prefix` names it (`[a-z][a-z0-9_]*`). */
export async function createSyncNode(prefix: string): Promise<SyncNodeDatabase> {
  // Sync windows end at the cluster's oldest open transaction: another test file's long
  // transaction on the shared cluster would hold them back, so sync tests get their own.
  const database: TestDatabase = await createTestDatabase(prefix, { ownCluster: true });
  const url = new URL(database.url);
  const db = postgisConnectorType.create(
    postgisConnectorType.config.parse({
      host: url.hostname,
      port: Number(url.port),
      database: database.name,
      user: decodeURIComponent(url.username),
      sslMode: 'disable',
    }),
    { dataDir: '/nonexistent' },
  ) as Connector & PostgresDatabase;
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // A backend ended by a test (pg_terminate_backend, a dropped database) must not crash the run.
  pool.on('error', () => undefined);
  let closed = false;
  return {
    db,
    url: database.url,
    name: database.name,
    pool,
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await pool.query(sql, [...params])).rows as R[];
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
      await pool.end();
      await database.drop();
    },
  };
}

/** A central and `clones` clone databases (nothing installed: the test installs and deploys). */
export async function createSyncNodes(options: { clones?: number } = {}): Promise<SyncNodes> {
  const central = await createSyncNode('dbsync_central');
  const clones: SyncNodeDatabase[] = [];
  try {
    for (let i = 0; i < (options.clones ?? 2); i++) clones.push(await createSyncNode(`dbsync_clone${i + 1}`));
  } catch (error) {
    await Promise.allSettled([central, ...clones].map((n) => n.close()));
    throw error;
  }
  return {
    central,
    clones,
    async close() {
      await Promise.allSettled([central, ...clones].map((n) => n.close()));
    },
  };
}
