import type { PostgresDatabase } from '../../connectors/database.ts';
import { inTransaction } from '../sql/transaction.ts';

/** Index builds at once on this many connections: the server builds each on its own core. */
const INDEX_BUILDERS = 2;
/** Per index build; PostgreSQL's default (64 MB) makes large GiST and B-tree builds spill to disk. */
const INDEX_MEMORY = '256MB';

/** Runs the index builds, at most INDEX_BUILDERS at once; the first failure stops the rest. */
export async function buildIndexes(
  target: PostgresDatabase,
  statements: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const queue = [...statements];
  const builder = () =>
    target.withSession(async (s) => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const statement = next;
        await inTransaction(s, async () => {
          await s.query(`SET LOCAL maintenance_work_mem = '${INDEX_MEMORY}'`);
          await s.query(statement);
        }).catch((error: unknown) => {
          queue.length = 0; // the other builder stops after its current index
          throw error;
        });
      }
    }, signal);
  // Both builders end before this returns, so a rollback never waits behind a build still running.
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(INDEX_BUILDERS, statements.length) }, builder),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
