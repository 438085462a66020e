import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

import type { PgSession } from '../../../connectors/database.ts';
import { UserError } from '../../../errors/errors.ts';
import type { NodeMeta } from '../structures.ts';

const FETCH_ROWS = 1000;
const OWN_CHANGES = `FROM geosync_dbsync.change c JOIN geosync_dbsync.synced_table t ON t.id = c.table_id
  WHERE c.origin = (SELECT node_id FROM geosync_dbsync.meta)`;

/**
 * Changes made on this clone that the central has not acknowledged yet (acknowledged ones are
 * pruned), and the last change's number, to notice one written after this look.
 */
export async function unsyncedChanges(session: PgSession): Promise<{ count: number; lastSeq: string }> {
  const { rows } = await session.query<{ n: string; last: string }>(
    `SELECT count(*)::text AS n, (SELECT coalesce(max(seq), 0)::text FROM geosync_dbsync.change) AS last ${OWN_CHANGES}`,
  );
  return { count: Number(rows[0]!.n), lastSeq: rows[0]!.last };
}

/**
 * Inside the deploy transaction: blocks new captures until it ends, then refuses when one was
 * written since `lastSeq` (it would be replaced unsaved).
 */
export async function refuseChangesSince(session: PgSession, lastSeq: string): Promise<void> {
  await session.query('LOCK TABLE geosync_dbsync.change IN SHARE ROW EXCLUSIVE MODE');
  const { rows } = await session.query<{ n: string }>(
    `SELECT count(*)::text AS n ${OWN_CHANGES} AND c.seq > $1::bigint`,
    [lastSeq],
  );
  if (rows[0]!.n !== '0') {
    throw new UserError(
      'dbsync_unsynced_changes',
      'The clone was edited while the deploy started: deploy again (with --force, those changes are saved too)',
      { status: 409 },
    );
  }
}

/**
 * Saves the clone's unsent changes as one JSON file in `workDir` before a forced deploy replaces
 * them, read through a cursor so a long log is never held in memory. Written under a temporary
 * name and renamed: the file named in the result is complete.
 */
export async function saveUnsyncedChanges(
  session: PgSession,
  meta: NodeMeta,
  workDir: string,
  cloneName: string | undefined,
): Promise<string> {
  await mkdir(workDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(workDir, `unsynced-${meta.nodeId}-${stamp}.json`);
  const tmp = `${file}.tmp`;
  const out = await open(tmp, 'wx', 0o600);
  try {
    const head = {
      nodeId: meta.nodeId,
      centralId: meta.centralId,
      cloneName: cloneName ?? null,
      savedAt: new Date().toISOString(),
    };
    await out.write(`${JSON.stringify(head).slice(0, -1)},"changes":[\n`);
    await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await session.query(
        `DECLARE geosync_unsynced NO SCROLL CURSOR FOR
         SELECT json_build_object('seq', c.seq, 'xid', c.xid::text, 'schema', t.schema_name, 'table', t.table_name,
                'uid', c.row_uid, 'op', c.op, 'new', c.new_vals, 'old', c.old_vals, 'clocks', c.clocks,
                'schemaVersion', c.schema_version)::text AS j ${OWN_CHANGES} ORDER BY c.seq`,
      );
      let first = true;
      for (;;) {
        const { rows } = await session.query<{ j: string }>(`FETCH ${FETCH_ROWS} FROM geosync_unsynced`);
        if (rows.length === 0) break;
        await out.write(`${first ? '' : ',\n'}${rows.map((r) => r.j).join(',\n')}`);
        first = false;
      }
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    await out.write('\n]}\n');
    await out.sync();
    await out.close();
    await rename(tmp, file);
    return file;
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
}
