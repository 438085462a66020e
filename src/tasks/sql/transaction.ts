import type { PgSession } from '../../connectors/database.ts';

/**
 * Runs `fn` in a transaction on `session`, rolled back if it throws. Literals geosync writes
 * itself (quoteLiteral: comments, defaults) assume standard strings, so the transaction
 * says so whatever the server's default.
 */
export async function inTransaction<T>(session: PgSession, fn: () => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  try {
    await session.query('SET LOCAL standard_conforming_strings = on');
    const result = await fn();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
