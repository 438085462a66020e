import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { requireNode } from './structures.ts';

export interface SyncRunRecord {
  id: number;
  cloneId: string;
  startedAt: string;
  finishedAt: string | null;
  toClone: number;
  toCentral: number;
  conflicts: number;
  quarantined: number;
  batches: number;
  bytes: number;
  durationMs: number | null;
  clockOffsetMs: number | null;
  outcome: 'running' | 'succeeded' | 'failed';
  errorCode: string | null;
  errorMessage: string | null;
}

export interface CentralStatus {
  nodeId: string;
  schemaVersion: number;
  structureVersion: number;
  tables: { table: string; rule: string }[];
  clones: { nodeId: string; name: string; lastSyncAt: string | null; expired: boolean; pendingToClone: number }[];
  pendingConflicts: number;
  changeLogRows: number;
  recentRuns: SyncRunRecord[];
}

export interface CloneStatus {
  nodeId: string;
  centralId: string;
  schemaVersion: number;
  /** Central changes the clone has not received yet. */
  pendingToClone: number;
  /** Clone changes the central has not received yet (null when the central does not know the clone). */
  pendingToCentral: number | null;
  pendingConflicts: number;
  lastRun: SyncRunRecord | null;
}

const TS = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const RUNS = `SELECT id::int AS "id", clone_id AS "cloneId", ${TS('started_at')} AS "startedAt", ${TS('finished_at')} AS "finishedAt",
    to_clone AS "toClone", to_central AS "toCentral", conflicts, quarantined, batches, bytes::float8 AS bytes,
    duration_ms AS "durationMs", clock_offset_ms::float8 AS "clockOffsetMs", outcome, error_code AS "errorCode",
    error_message AS "errorMessage" FROM geosync_dbsync.sync_run`;

/** Changes of `session`'s log not yet visible in `cursor` (what that receiver still needs). */
async function pendingFor(session: PgSession, cursor: string | null, receiver: string): Promise<number> {
  if (cursor === null) return 0;
  const { rows } = await session.query<{ n: number }>(
    `SELECT count(DISTINCT (table_id, row_uid))::int AS n FROM geosync_dbsync.change
      WHERE xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, $1::pg_snapshot) AND origin <> $2`,
    [cursor, receiver],
  );
  return rows[0]!.n;
}

export async function centralStatus(central: PostgresDatabase, signal: AbortSignal): Promise<CentralStatus> {
  return central.withSession(async (s) => {
    const meta = await requireNode(s, 'central', 'central');
    const tables = await s.query<{ table: string; rule: string }>(
      `SELECT schema_name || '.' || table_name AS table, rule FROM geosync_dbsync.synced_table ORDER BY 1`,
    );
    const clones = await s.query<{
      nodeId: string;
      name: string;
      lastSyncAt: string | null;
      expired: boolean;
      cursor: string | null;
    }>(
      `SELECT node_id AS "nodeId", name, ${TS('last_sync_at')} AS "lastSyncAt", expired, acked_cursor::text AS cursor
         FROM geosync_dbsync.clone ORDER BY name, node_id`,
    );
    const counts = await s.query<{ conflicts: number; changes: number }>(
      `SELECT (SELECT count(*)::int FROM geosync_dbsync.conflict WHERE outcome = 'pending') AS conflicts,
              (SELECT count(*)::int FROM geosync_dbsync.change) AS changes`,
    );
    const runs = await s.query<SyncRunRecord>(`${RUNS} ORDER BY id DESC LIMIT 20`);
    const withPending = [];
    for (const c of clones.rows) {
      withPending.push({
        nodeId: c.nodeId,
        name: c.name,
        lastSyncAt: c.lastSyncAt,
        expired: c.expired,
        pendingToClone: await pendingFor(s, c.cursor, c.nodeId),
      });
    }
    return {
      nodeId: meta.nodeId,
      schemaVersion: meta.schemaVersion,
      structureVersion: meta.structureVersion,
      tables: tables.rows,
      clones: withPending,
      pendingConflicts: counts.rows[0]!.conflicts,
      changeLogRows: counts.rows[0]!.changes,
      recentRuns: runs.rows,
    };
  }, signal);
}

/** Pending changes each way between a central and one clone, without syncing. */
export async function cloneStatus(
  central: PostgresDatabase,
  clone: PostgresDatabase,
  signal: AbortSignal,
): Promise<CloneStatus> {
  return central.withSession(
    (cs) =>
      clone.withSession(async (ks) => {
        const cm = await requireNode(cs, 'central', 'central');
        const km = await requireNode(ks, 'clone', 'clone');
        const cursorOf = async (s: PgSession, origin: string) =>
          (
            await s.query<{ c: string }>('SELECT cursor::text AS c FROM geosync_dbsync.inbound WHERE origin = $1', [
              origin,
            ])
          ).rows[0]?.c ?? null;
        const onCentral = await cursorOf(cs, km.nodeId);
        const conflicts = await ks.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM geosync_dbsync.conflict WHERE outcome = 'pending'`,
        );
        const last = await cs.query<SyncRunRecord>(`${RUNS} WHERE clone_id = $1 ORDER BY id DESC LIMIT 1`, [km.nodeId]);
        return {
          nodeId: km.nodeId,
          centralId: km.centralId,
          schemaVersion: km.schemaVersion,
          pendingToClone: await pendingFor(cs, await cursorOf(ks, cm.nodeId), km.nodeId),
          pendingToCentral:
            onCentral === null
              ? (
                  await ks.query<{ n: number }>(
                    'SELECT count(DISTINCT (table_id, row_uid))::int AS n FROM geosync_dbsync.change',
                  )
                ).rows[0]!.n
              : await pendingFor(ks, onCentral, cm.nodeId),
          pendingConflicts: conflicts.rows[0]!.n,
          lastRun: last.rows[0] ?? null,
        };
      }, signal),
    signal,
  );
}
