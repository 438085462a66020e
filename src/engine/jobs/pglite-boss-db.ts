/**
 * pg-boss's database interface over the embedded store's worker thread. pg-boss ships `fromPglite`
 * for a PGlite instance in the same thread; geosync's PGlite lives in a worker (so a long query
 * never stalls the event loop), and a second instance on the same data directory is not possible,
 * so this is `fromPglite` re-done over `PgliteClient`.
 */
import type { Db } from 'pg-boss';

import { PgliteQueryError, type PgliteClient } from '../../store/pglite/pglite-client.ts';

/** Shaped like node-postgres's DatabaseError: pg-boss reads `code` (e.g. 23505 on a lost singleton race). */
class PgliteSqlError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    cause: unknown,
  ) {
    super(message, { cause });
    this.name = 'PgliteSqlError';
  }
}

function asSqlError(error: unknown): unknown {
  return error instanceof PgliteQueryError
    ? new PgliteSqlError(error.message, error.sqlState, error.detail, error)
    : error;
}

/**
 * A pg-boss `Db` for `new PgBoss({ db, backend: 'pglite' })`. Statements with parameters are one
 * statement each (extended protocol); those without may be scripts, e.g. `BEGIN; lock; update;
 * COMMIT`, whose RETURNING rows sit before the COMMIT, so every statement's rows are kept, the way
 * pg-boss unwraps node-postgres's array of results. A failing script cannot leave the single
 * session in an aborted transaction: the worker rolls it back before any other statement runs
 * (`PgliteClient.exec`), which `fromPglite` can only approximate with a ROLLBACK sent afterwards.
 */
export function pgliteBossDb(client: PgliteClient): Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      try {
        if (values?.length) return { rows: (await client.query(text, values)).rows };
        const results = await client.exec(text);
        return { rows: results.flatMap((result) => result.rows) };
      } catch (error) {
        throw asSqlError(error);
      }
    },
  };
}
