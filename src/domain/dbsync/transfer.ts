import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { OperationalError, UnexpectedError, UserError } from '../../errors/errors.ts';
import type { NodeMeta } from './structures.ts';

/** Named steps where tests inject faults (throw, kill a backend, cut the link). */
export type FaultStep = 'window-opened' | 'batch-staged' | 'batch-applied' | 'batch-committed';
export type FaultPoints = (step: FaultStep, at: { batch: number; sender: string; receiver: string }) => Promise<void>;

export interface SyncNode {
  db: PostgresDatabase;
  meta: NodeMeta;
  label: 'central' | 'clone';
}

export interface TransferOptions {
  batchChanges: number;
  signal: AbortSignal;
  faults?: FaultPoints;
  onBatch?: (done: number, total: number) => void;
}

export interface TransferResult {
  changes: number;
  batches: number;
  applied: number;
  conflicts: number;
  quarantined: number;
  bytes: number;
  /** Batches found already applied (a resend after a lost answer): skipped. */
  replays: number;
}

interface Inbound {
  cursor: string;
  window_xmin: string | null;
  next_batch: number;
  batch_size: number | null;
}

/** The columns of a batch on the wire (COPY text format), in this order. */
const BATCH_COLUMNS = 'pos, schema_name, table_name, row_uid, op, new_vals, old_vals, clocks, schema_version';

const sqlState = (error: unknown) => (error as { code?: string } | undefined)?.code;

/** Maps the apply function's own SQLSTATEs to errors a user can act on. */
export function applyError(error: unknown, receiver: string): Error {
  const state = sqlState(error);
  const message = (error as Error).message;
  if (state === 'GSD01' || state === 'GSD02') {
    return new UserError(
      'dbsync_schema_outdated',
      `The ${receiver} cannot apply this batch: ${message}. Sync the clone so it replays the central's schema migrations, or record DDL run by hand with 'geosync dbsync migrate'`,
      { status: 409 },
    );
  }
  return error as Error;
}

/**
 * Ships the sender's changes the receiver has not seen: one immutable window (transactions below
 * the sender's snapshot xmin), cut into batches, each applied with its bookkeeping in one
 * receiver transaction. Resumes an interrupted window at its next batch.
 */
export async function transfer(
  sender: SyncNode,
  receiver: SyncNode,
  options: TransferOptions,
): Promise<TransferResult> {
  const result: TransferResult = {
    changes: 0,
    batches: 0,
    applied: 0,
    conflicts: 0,
    quarantined: 0,
    bytes: 0,
    replays: 0,
  };
  const inbound = await receiver.db.withSession(async (s) => readInbound(s, sender, receiver), options.signal);
  return sender.db.withSession(async (out) => {
    try {
      return await sendWindow(out, sender, receiver, inbound, options, result);
    } finally {
      // The pooled session outlives this transfer: do not leave the window's copy in it.
      await out.query('DROP TABLE IF EXISTS pg_temp.dbsync_out').catch(() => undefined);
    }
  }, options.signal);
}

async function sendWindow(
  out: PgSession,
  sender: SyncNode,
  receiver: SyncNode,
  inbound: Inbound,
  options: TransferOptions,
  result: TransferResult,
): Promise<TransferResult> {
  const upto =
    inbound.window_xmin ??
    (await out.query<{ x: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x')).rows[0]!.x;
  // A resumed window is re-cut with the size it was cut with (its batches are already recorded).
  const stored = inbound.batch_size !== null && inbound.batch_size > 0 ? inbound.batch_size : undefined;
  const size = inbound.window_xmin ? (stored ?? options.batchChanges) : options.batchChanges;
  if (!Number.isInteger(size) || size < 1) {
    throw new UserError(
      'dbsync_invalid_batch_size',
      `The batch size must be a whole number of at least 1, not ${size}`,
    );
  }
  const { rows } = await out.query<{ n: number }>('SELECT geosync_dbsync.open_window($1, $2, $3) AS n', [
    receiver.meta.nodeId,
    inbound.cursor,
    upto,
  ]);
  const total = rows[0]!.n;
  result.changes = total;
  const batches = Math.ceil(total / size);
  const at = (batch: number) => ({ batch, sender: sender.label, receiver: receiver.label });
  await options.faults?.('window-opened', at(inbound.next_batch));
  if (batches === 0) {
    await receiver.db.withSession(
      (s) =>
        s.query(
          `UPDATE geosync_dbsync.inbound SET cursor = geosync_dbsync.advance_cursor(cursor, $2::xid8),
             window_xmin = NULL, next_batch = 0, updated_at = now() WHERE origin = $1`,
          [sender.meta.nodeId, upto],
        ),
      options.signal,
    );
    return result;
  }
  for (let batch = inbound.window_xmin ? inbound.next_batch : 0; batch < batches; batch++) {
    options.signal.throwIfAborted();
    const outcome = await applyBatch(out, receiver, {
      origin: sender.meta.nodeId,
      window: upto,
      batch,
      from: batch * size,
      to: Math.min((batch + 1) * size, total),
      last: batch === batches - 1,
      size,
      signal: options.signal,
      faults: options.faults ? (step) => options.faults!(step, at(batch)) : undefined,
    });
    result.batches++;
    result.bytes += outcome.bytes;
    if (outcome.replay) result.replays++;
    result.applied += outcome.applied;
    result.conflicts += outcome.conflicts;
    result.quarantined += outcome.quarantined;
    options.onBatch?.(batch + 1, batches);
  }
  return result;
}

async function readInbound(session: PgSession, sender: SyncNode, receiver: SyncNode): Promise<Inbound> {
  const { rows } = await session.query<Inbound>(
    'SELECT cursor::text, window_xmin::text, next_batch, batch_size FROM geosync_dbsync.inbound WHERE origin = $1',
    [sender.meta.nodeId],
  );
  if (!rows[0]) {
    throw new UserError(
      'dbsync_unknown_clone',
      `The ${receiver.label} has never received from this ${sender.label} (node ${sender.meta.nodeId}): deploy a package to the clone first`,
      { status: 404 },
    );
  }
  return rows[0];
}

export interface BatchSpec {
  origin: string;
  window: string;
  batch: number;
  /** Positions (from, to] of the sender's open window. */
  from: number;
  to: number;
  last: boolean;
  size: number;
  signal: AbortSignal;
  faults?: (step: FaultStep) => Promise<void>;
}

export interface BatchOutcome {
  replay: boolean;
  applied: number;
  conflicts: number;
  quarantined: number;
  bytes: number;
}

/**
 * One batch: COPY from the sender's window into the receiver's staging table, apply, record the
 * batch and move the cursor, commit. A batch already recorded is a no-op (exactly once).
 */
export async function applyBatch(out: PgSession, receiver: SyncNode, spec: BatchSpec): Promise<BatchOutcome> {
  return receiver.db.withSession(async (s) => {
    await s.query('BEGIN');
    try {
      // The sender prunes what this commit acknowledges: it must survive a power cut here.
      await s.query('SET LOCAL synchronous_commit = on');
      await s.query("SELECT set_config('geosync_dbsync.origin', $1, true), set_config('TimeZone', 'UTC', true)", [
        spec.origin,
      ]);
      const recorded = await s.query(
        `INSERT INTO geosync_dbsync.applied_batch (origin, window_xmin, batch, changes) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [spec.origin, spec.window, spec.batch, spec.to - spec.from],
      );
      if (recorded.rowCount === 0) {
        await s.query('ROLLBACK');
        return { replay: true, applied: 0, conflicts: 0, quarantined: 0, bytes: 0 };
      }
      await s.query('SELECT geosync_dbsync.begin_apply()');
      if (!out.copyOut || !s.copyIn) throw new UnexpectedError('dbsync_no_copy', 'COPY streams are not available');
      let bytes = 0;
      const counter = new PassThrough();
      counter.on('data', (chunk: Buffer) => (bytes += chunk.length));
      await pipeline(
        out.copyOut(
          `COPY (SELECT ${BATCH_COLUMNS} FROM pg_temp.dbsync_out WHERE pos > ${Math.trunc(spec.from)} AND pos <= ${Math.trunc(spec.to)} ORDER BY pos) TO STDOUT`,
        ),
        counter,
        s.copyIn(`COPY pg_temp.dbsync_stage (${BATCH_COLUMNS}) FROM STDIN`),
        { signal: spec.signal },
      );
      await spec.faults?.('batch-staged');
      const applied = await s
        .query<{ summary: { applied: number; conflicts: number; quarantined: number } }>(
          'SELECT geosync_dbsync.apply_stage($1, $2, $3) AS summary',
          [spec.origin, spec.window, spec.batch],
        )
        .catch((error: unknown) => {
          throw applyError(error, 'receiver');
        });
      await s.query(
        spec.last
          ? `UPDATE geosync_dbsync.inbound SET cursor = geosync_dbsync.advance_cursor(cursor, $2::xid8),
               window_xmin = NULL, next_batch = 0, batch_size = NULL, updated_at = now() WHERE origin = $1`
          : `UPDATE geosync_dbsync.inbound SET window_xmin = $2, next_batch = $3, batch_size = $4, updated_at = now()
              WHERE origin = $1`,
        spec.last ? [spec.origin, spec.window] : [spec.origin, spec.window, spec.batch + 1, spec.size],
      );
      await spec.faults?.('batch-applied');
      await s.query('COMMIT');
      await spec.faults?.('batch-committed');
      return { replay: false, bytes, ...applied.rows[0]!.summary };
    } catch (error) {
      await s.query('ROLLBACK').catch(() => undefined);
      if (sqlState(error) === '57014') throw new OperationalError('dbsync_cancelled', 'The sync was cancelled');
      throw error;
    }
  }, spec.signal);
}
