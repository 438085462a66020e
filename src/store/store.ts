import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';

import type { Database } from './database.types.ts';
import { PgliteClient } from './pglite/pglite-client.ts';
import { PgliteDialect } from './pglite/pglite-dialect.ts';

export type StoreBackend = 'pglite' | 'postgres';

/** geosync's own database, on embedded PGlite or on PostgreSQL, behind one Kysely instance. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly backend: StoreBackend;
  /** The embedded store's client (PGlite only), for what speaks SQL to it directly: the job queue. */
  readonly pglite?: PgliteClient;
  /**
   * Can the store take work? PostgreSQL: it answers `SELECT 1`. PGlite: its worker runs (a
   * query would wait behind queued work such as the first start's CREATE EXTENSION).
   */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type StoreOptions =
  { backend: 'postgres'; url: string; poolSize?: number } | { backend: 'pglite'; dataDir?: string; postgis: boolean };

// int8 (counts, sums) as numbers: ours never approach 2^53, and both backends then agree.
pg.types.setTypeParser(20, (value) => Number(value));

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.backend === 'postgres') {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client that errors (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const ping = async () => (await sql<{ ok: number }>`SELECT 1 AS ok`.execute(db)).rows[0]?.ok === 1;
    return { db, backend: 'postgres', ping, close: () => db.destroy() };
  }
  if (options.dataDir) mkdirSync(path.dirname(path.resolve(options.dataDir)), { recursive: true });
  const client = await PgliteClient.open({ dataDir: options.dataDir, postgis: options.postgis });
  const db = new Kysely<Database>({ dialect: new PgliteDialect(client) });
  // Kysely only destroys a driver it initialised (on a first query): close the worker ourselves.
  const close = async () => {
    await db.destroy();
    await client.close();
  };
  return { db, backend: 'pglite', pglite: client, ping: async () => client.alive, close };
}

/**
 * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
 * On PGlite other callers wait for it (one session), so keep it short and never await
 * a query on `db` from inside `fn`: use `trx`.
 */
export function withTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}
