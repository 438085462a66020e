import { createHash } from 'node:crypto';

import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { conflict, isGeosyncError, UserError } from '../../errors/errors.ts';
import { checkDrift, replaySchemaMigrations } from './schema-change.ts';
import { type NodeMeta, requireNode } from './structures.ts';
import { type FaultPoints, type SyncNode, transfer, type TransferResult } from './transfer.ts';

export interface SyncOptions {
  /** Shown in the central's clone list. */
  cloneName: string;
  batchChanges?: number;
  /** Above this the report warns that the clone's clock is off (HLCs keep the order right). */
  maxClockSkewMs?: number;
  /** A clone that has not synced for this long is expired: the log stops keeping its changes. */
  retentionDays?: number;
  signal: AbortSignal;
  faults?: FaultPoints;
  onProgress?: (phase: SyncPhase, done: number, total: number) => void;
}

export type SyncPhase = 'central_to_clone' | 'clone_to_central' | 'ping_back';

export interface SyncReport {
  runId: string;
  cloneId: string;
  toClone: TransferResult;
  toCentral: TransferResult;
  pingBack: TransferResult;
  conflicts: number;
  quarantined: number;
  schemaMigrationsApplied: number;
  clockOffsetMs: number;
  warnings: string[];
  durationMs: number;
}

const DEFAULT_BATCH = 10_000;

/** Advisory lock key of one clone's sync, the same on both sides. */
function lockKey(cloneId: string): [number, number] {
  const h = createHash('sha256').update(cloneId).digest();
  return [7406014, h.readInt32BE(0)];
}

async function tryLock(session: PgSession, cloneId: string, label: string): Promise<void> {
  const [a, b] = lockKey(cloneId);
  const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [a, b]);
  if (!rows[0]!.ok) {
    throw conflict('dbsync_sync_running', `A sync of this clone is already running (lock held on the ${label})`);
  }
}

async function unlock(session: PgSession, cloneId: string): Promise<void> {
  const [a, b] = lockKey(cloneId);
  await session.query('SELECT pg_advisory_unlock($1, $2)', [a, b]).catch(() => undefined);
}

/**
 * One two-way sync: central -> clone, clone -> central, then central -> clone again for what the
 * central computed (ping-back) or received meanwhile. Each batch commits with its bookkeeping, so
 * an interrupted sync resumes where it stopped; the central keeps the history (sync_run).
 */
export async function syncClone(
  central: PostgresDatabase,
  clone: PostgresDatabase,
  options: SyncOptions,
): Promise<SyncReport> {
  const started = Date.now();
  const batch = options.batchChanges;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 1_000_000)) {
    throw new UserError(
      'dbsync_invalid_batch_size',
      `The batch size must be a whole number from 1 to 1,000,000, not ${batch}`,
      {
        details: [{ field: 'batchChanges', message: 'a whole number from 1 to 1,000,000' }],
      },
    );
  }
  return central.withSession(
    (centralLock) =>
      clone.withSession(async (cloneLock) => {
        const centralMeta = await requireNode(centralLock, 'central', 'central');
        const cloneMeta = await requireNode(cloneLock, 'clone', 'clone');
        if (cloneMeta.centralId !== centralMeta.nodeId) {
          throw conflict(
            'dbsync_wrong_central',
            `This clone was deployed from another central (${cloneMeta.centralId}), not this one (${centralMeta.nodeId})`,
          );
        }
        await tryLock(centralLock, cloneMeta.nodeId, 'central');
        try {
          await tryLock(cloneLock, cloneMeta.nodeId, 'clone');
        } catch (error) {
          await unlock(centralLock, cloneMeta.nodeId);
          throw error;
        }
        try {
          await registerClone(centralLock, cloneLock, cloneMeta, options.cloneName);
        } catch (error) {
          await Promise.all([unlock(centralLock, cloneMeta.nodeId), unlock(cloneLock, cloneMeta.nodeId)]);
          throw error;
        }
        const runId = await startRun(centralLock, cloneMeta.nodeId);
        try {
          const report = await runSync(
            { db: central, meta: centralMeta, label: 'central' },
            { db: clone, meta: cloneMeta, label: 'clone' },
            centralLock,
            cloneLock,
            options,
          );
          const result = { runId, cloneId: cloneMeta.nodeId, ...report, durationMs: Date.now() - started };
          await finishRun(centralLock, runId, result);
          return result;
        } catch (error) {
          await failRun(centralLock, runId, error, Date.now() - started);
          throw error;
        } finally {
          // Session-level locks outlive the session's return to the pool: release them.
          await Promise.all([unlock(centralLock, cloneMeta.nodeId), unlock(cloneLock, cloneMeta.nodeId)]);
        }
      }, options.signal),
    options.signal,
  );
}

async function runSync(
  central: SyncNode,
  clone: SyncNode,
  centralSession: PgSession,
  cloneSession: PgSession,
  options: SyncOptions,
): Promise<Omit<SyncReport, 'runId' | 'cloneId' | 'durationMs'>> {
  const warnings: string[] = [];
  const clockOffsetMs = await clockOffset(centralSession, cloneSession);
  if (Math.abs(clockOffsetMs) > (options.maxClockSkewMs ?? 5 * 60_000)) {
    warnings.push(
      `The clone's clock is ${Math.round(clockOffsetMs / 1000)} s off the central's: conflicts are still ordered by hybrid logical clocks, but fix the device's time`,
    );
  }
  const migrations = await replaySchemaMigrations(centralSession, cloneSession, clone.meta);
  if (migrations > 0) clone.meta = await requireNode(cloneSession, 'clone', 'clone');
  await checkDrift(centralSession, 'central');
  await checkDrift(cloneSession, 'clone');
  const common = {
    batchChanges: options.batchChanges ?? DEFAULT_BATCH,
    signal: options.signal,
    faults: options.faults,
  };
  const phase = (p: SyncPhase) => ({ ...common, onBatch: (d: number, t: number) => options.onProgress?.(p, d, t) });
  const toClone = await transfer(central, clone, phase('central_to_clone'));
  const toCentral = await transfer(clone, central, phase('clone_to_central'));
  const pingBack = await transfer(central, clone, phase('ping_back'));
  await pushConflicts(cloneSession, centralSession);
  await acknowledge(centralSession, cloneSession, central.meta, clone.meta, options.retentionDays ?? 30);
  const sum = (k: 'conflicts' | 'quarantined') => toClone[k] + toCentral[k] + pingBack[k];
  return {
    toClone,
    toCentral,
    pingBack,
    conflicts: sum('conflicts'),
    quarantined: sum('quarantined'),
    schemaMigrationsApplied: migrations,
    clockOffsetMs,
    warnings,
  };
}

async function clockOffset(central: PgSession, clone: PgSession): Promise<number> {
  const now = `SELECT (extract(epoch FROM clock_timestamp()) * 1000
      + coalesce(nullif(current_setting('geosync_dbsync.clock_offset_ms', true), '')::bigint, 0))::float8 AS ms`;
  const a = (await central.query<{ ms: number }>(now)).rows[0]!.ms;
  const b = (await clone.query<{ ms: number }>(now)).rows[0]!.ms;
  return Math.round(b - a);
}

/**
 * A clone deployed while the central was out of reach registers at its first sync: the central
 * starts reading the clone's changes at the snapshot taken when the package was deployed.
 */
async function registerClone(central: PgSession, clone: PgSession, meta: NodeMeta, name: string): Promise<void> {
  const known = await central.query<{ expired: boolean }>(
    'SELECT expired FROM geosync_dbsync.clone WHERE node_id = $1',
    [meta.nodeId],
  );
  if (known.rows[0]?.expired) {
    throw new UserError(
      'dbsync_clone_expired',
      'This clone was away longer than the change log is kept: deploy a new package to it (its unsynced changes can be saved with --force)',
      { status: 409 },
    );
  }
  if (known.rows[0]) return;
  const { rows } = await clone.query<{ package_id: string | null; start_cursor: string | null; cursor: string | null }>(
    `SELECT m.package_id, m.start_cursor::text, i.cursor::text
       FROM geosync_dbsync.meta m LEFT JOIN geosync_dbsync.inbound i ON i.origin = m.central_id`,
  );
  const own = rows[0];
  const pkg = own?.package_id
    ? await central.query<{ expired: boolean }>(
        'SELECT expires_at < now() AS expired FROM geosync_dbsync.package WHERE id = $1',
        [own.package_id],
      )
    : undefined;
  if (!own?.start_cursor || !pkg?.rows[0]) {
    throw new UserError(
      'dbsync_unknown_clone',
      'The central does not know this clone and its package: deploy a package of this central to it',
      { status: 404 },
    );
  }
  if (pkg.rows[0].expired) {
    throw new UserError(
      'dbsync_clone_expired',
      'The package this clone was deployed from has expired: deploy a new one',
      {
        status: 409,
      },
    );
  }
  await central.query('BEGIN');
  await central.query(
    `INSERT INTO geosync_dbsync.clone (node_id, name, package_id, acked_cursor) VALUES ($1, $2, $3, $4::pg_snapshot)`,
    [meta.nodeId, name, own.package_id, own.cursor],
  );
  await central.query('INSERT INTO geosync_dbsync.inbound (origin, cursor) VALUES ($1, $2::pg_snapshot)', [
    meta.nodeId,
    own.start_cursor,
  ]);
  await central.query('COMMIT');
}

async function startRun(central: PgSession, cloneId: string): Promise<string> {
  const { rows } = await central.query<{ id: string }>(
    `INSERT INTO geosync_dbsync.sync_run (clone_id, started_at) VALUES ($1, now()) RETURNING id::text`,
    [cloneId],
  );
  return rows[0]!.id;
}

async function finishRun(central: PgSession, runId: string, r: SyncReport): Promise<void> {
  await central.query(
    `UPDATE geosync_dbsync.sync_run SET finished_at = now(), outcome = 'succeeded', to_clone = $2, to_central = $3,
       conflicts = $4, quarantined = $5, batches = $6, bytes = $7, duration_ms = $8, clock_offset_ms = $9 WHERE id = $1`,
    [
      runId,
      r.toClone.changes + r.pingBack.changes,
      r.toCentral.changes,
      r.conflicts,
      r.quarantined,
      r.toClone.batches + r.toCentral.batches + r.pingBack.batches,
      r.toClone.bytes + r.toCentral.bytes + r.pingBack.bytes,
      r.durationMs,
      r.clockOffsetMs,
    ],
  );
}

async function failRun(central: PgSession, runId: string, error: unknown, durationMs: number): Promise<void> {
  const code = isGeosyncError(error) ? error.code : 'dbsync_failed';
  const message = isGeosyncError(error) ? error.message : 'The sync failed; see the geosync log';
  await central
    .query(
      `UPDATE geosync_dbsync.sync_run SET finished_at = now(), outcome = 'failed', error_code = $2,
         error_message = $3, duration_ms = $4 WHERE id = $1`,
      [runId, code, message, durationMs],
    )
    .catch(() => undefined);
}

/** Conflicts recorded on the clone are copied to the central, where they are listed and resolved. */
async function pushConflicts(clone: PgSession, central: PgSession): Promise<void> {
  const { rows } = await clone.query<{ id: string; row: Record<string, unknown> }>(
    `SELECT id::text, to_jsonb(c) - 'id' - 'pushed' AS row FROM geosync_dbsync.conflict c WHERE NOT pushed ORDER BY id`,
  );
  if (rows.length === 0) return;
  await central.query(
    `INSERT INTO geosync_dbsync.conflict
     SELECT nextval('geosync_dbsync.conflict_id_seq'), r.node_id, x.local_id, r.table_id, r.row_uid, r.column_name,
            r.kind, r.rule, r.base_value, r.central_value, r.clone_value, r.incoming, r.winner, r.outcome, r.sqlstate,
            r.message, r.origin, r.window_xmin, r.batch, r.created_at, r.resolved_by, r.resolved_at, r.resolution, true
       FROM jsonb_to_recordset($1::jsonb) AS x(local_id bigint, row jsonb),
            jsonb_populate_record(NULL::geosync_dbsync.conflict, x.row) r
     ON CONFLICT (node_id, local_id) DO NOTHING`,
    [JSON.stringify(rows.map((r) => ({ local_id: Number(r.id), row: r.row })))],
  );
  await clone.query('UPDATE geosync_dbsync.conflict SET pushed = true WHERE id = ANY ($1::bigint[])', [
    rows.map((r) => r.id),
  ]);
}

/**
 * Both sides now know what the other has: the central records the clone's cursor (so its log
 * keeps what the clone still needs) and each side prunes what the other acknowledged.
 */
async function acknowledge(
  central: PgSession,
  clone: PgSession,
  cm: NodeMeta,
  km: NodeMeta,
  retentionDays: number,
): Promise<void> {
  const cloneCursor = (
    await clone.query<{ c: string }>('SELECT cursor::text AS c FROM geosync_dbsync.inbound WHERE origin = $1', [
      cm.nodeId,
    ])
  ).rows[0]!.c;
  const centralCursor = (
    await central.query<{ c: string }>('SELECT cursor::text AS c FROM geosync_dbsync.inbound WHERE origin = $1', [
      km.nodeId,
    ])
  ).rows[0]!.c;
  await central.query(
    'UPDATE geosync_dbsync.clone SET acked_cursor = $2::pg_snapshot, last_sync_at = now() WHERE node_id = $1',
    [km.nodeId, cloneCursor],
  );
  await clone.query(
    'DELETE FROM geosync_dbsync.change WHERE xid < pg_snapshot_xmax($1::pg_snapshot) AND pg_visible_in_snapshot(xid, $1::pg_snapshot)',
    [centralCursor],
  );
  await pruneCentral(central, retentionDays);
}

/** Keeps every change an active clone or an unexpired package may still need. */
export async function pruneCentral(central: PgSession, retentionDays: number): Promise<number> {
  await central.query(
    `UPDATE geosync_dbsync.clone SET expired = true
      WHERE NOT expired AND coalesce(last_sync_at, registered_at) < now() - make_interval(days => $1)`,
    [retentionDays],
  );
  const { rowCount } = await central.query(
    `WITH keep AS (
       SELECT min(x) AS xmin FROM (
         SELECT pg_snapshot_xmin(acked_cursor) AS x FROM geosync_dbsync.clone WHERE NOT expired AND acked_cursor IS NOT NULL
         UNION ALL SELECT pg_snapshot_xmin(snapshot) FROM geosync_dbsync.package WHERE expires_at > now()) s)
     DELETE FROM geosync_dbsync.change c USING keep
      WHERE keep.xmin IS NOT NULL AND c.xid < keep.xmin
        AND NOT EXISTS (SELECT 1 FROM geosync_dbsync.clone WHERE NOT expired AND acked_cursor IS NULL)`,
  );
  return rowCount;
}
