/**
 * TEST STAND-IN for a `PostgresDatabase`, over a pg.Pool: enough for task types that write with
 * `withSession` (views, staging). It is NOT the postgis connector (src/connectors/postgis/), so
 * tests of task types do not depend on that connector's state; the connector has its own tests.
 * listTables, describeTable, readRows and layerSource are not implemented and say so.
 */
import pg from 'pg';

import type { PgSession, PostgresDatabase } from '../../src/connectors/database.ts';

export interface TestPgDatabase extends PostgresDatabase {
  /** The pool, for the test's own checks. */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

const notUsed = (what: string) => () => {
  throw new Error(`test stand-in PostgresDatabase: ${what} is not used in this test`);
};

export function createTestPgDatabase(url: string, schema = 'public'): TestPgDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client ended by the server (another test terminating backends, a restart) must not
  // crash the test process; the pool opens a new one on the next query.
  pool.on('error', () => undefined);
  return {
    dialect: 'postgresql',
    schema,
    pool,
    listTables: notUsed('listTables'),
    describeTable: notUsed('describeTable'),
    readRows: notUsed('readRows'),
    layerSource: notUsed('layerSource'),
    async withSession(fn, signal) {
      signal.throwIfAborted();
      const client = await pool.connect();
      // Aborting cancels the running statement, as the real connectors do.
      const cancel = () => void pool.query('SELECT pg_cancel_backend($1)', [backendPid(client)]).catch(() => undefined);
      signal.addEventListener('abort', cancel, { once: true });
      let broken: Error | undefined;
      try {
        return await fn(sessionOf(client));
      } catch (error) {
        broken = error as Error;
        throw error;
      } finally {
        signal.removeEventListener('abort', cancel);
        // A failed session may hold an open transaction: destroy it rather than pool it.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

function backendPid(client: pg.PoolClient): number {
  return (client as unknown as { processID: number }).processID;
}

function sessionOf(client: pg.PoolClient): PgSession {
  return {
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  };
}
