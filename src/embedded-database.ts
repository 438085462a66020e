import { CompiledQuery } from 'kysely';

import type { EmbeddedDatabase } from './connectors/connector.ts';
import type { PgSession } from './connectors/database.ts';
import type { PgliteClient } from './store/pglite/pglite-client.ts';
import type { Store } from './store/store.ts';

type QueryResult = Awaited<ReturnType<PgSession['query']>>;
const empty: QueryResult = { rows: [], rowCount: 0 };

/**
 * A session on PGlite's one shared connection. Other parts of geosync keep using the store
 * meanwhile, so a task's `BEGIN ... COMMIT` cannot be sent as text (their statements would land
 * inside it): it becomes a PGlite transaction of its own (the worker runs its statements alone
 * until it ends). Statements outside one run on their own, between everybody else's.
 */
async function pgliteSession<T>(client: PgliteClient, fn: (session: PgSession) => Promise<T>): Promise<T> {
  let txId: number | undefined;
  const end = async (commit: boolean) => {
    const id = txId;
    txId = undefined;
    if (id !== undefined) await client.end(id, commit);
  };
  const session: PgSession = {
    async query<R>(text: string, params: readonly unknown[] = []) {
      const verb = text.trim().replace(/;$/, '').toUpperCase();
      if (verb === 'BEGIN' || verb === 'START TRANSACTION') {
        txId ??= await client.begin();
        return empty as { rows: R[]; rowCount: number };
      }
      if (verb === 'COMMIT' || verb === 'ROLLBACK') {
        await end(verb === 'COMMIT');
        return empty as { rows: R[]; rowCount: number };
      }
      const result = await client.query(text, params, txId);
      return { rows: result.rows as R[], rowCount: result.affectedRows ?? result.rows.length };
    },
  };
  try {
    return await fn(session);
  } finally {
    await end(false).catch(() => undefined); // a session never leaves a transaction open
  }
}

/** geosync's own store as the built-in `local` database, for connectors (`ConnectorDeps`). */
export function embeddedDatabase(store: Store, ready: () => Promise<void>): EmbeddedDatabase {
  return {
    async query(text, params = []) {
      await ready(); // tasks on `local` expect PostGIS, even on a first start
      const result = await store.db.executeQuery(CompiledQuery.raw(text, [...params]));
      return { rows: result.rows as Record<string, unknown>[] };
    },
    async withSession(fn) {
      await ready();
      if (store.pglite) return pgliteSession(store.pglite, fn);
      // On PostgreSQL the store hands out one pooled connection for the session's whole life.
      return store.db.connection().execute((connection) =>
        fn({
          query: async <R>(text: string, params: readonly unknown[] = []) => {
            const result = await connection.executeQuery<R>(CompiledQuery.raw(text, [...params]));
            return { rows: result.rows, rowCount: Number(result.numAffectedRows ?? result.rows.length) };
          },
        }),
      );
    },
  };
}
