import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import { requireNode } from './structures.ts';

export const conflictKinds = [
  'update_update',
  'update_delete',
  'delete_update',
  'insert_insert',
  'unique_violation',
  'fk_orphan',
  'constraint_violation',
  'schema_mismatch',
] as const;
export type ConflictKind = (typeof conflictKinds)[number];

export interface ConflictRecord {
  id: number;
  /** The node that detected it (the central, or a clone whose conflicts were pushed). */
  nodeId: string;
  table: string;
  rowUid: string;
  column: string | null;
  kind: ConflictKind;
  rule: string;
  base: unknown;
  central: unknown;
  clone: unknown;
  incoming: unknown;
  winner: 'central' | 'clone' | 'none';
  outcome: 'auto' | 'pending' | 'resolved';
  sqlstate: string | null;
  message: string | null;
  createdAt: string;
  resolvedBy: string | null;
  resolvedAt: string | null;
  resolution: unknown;
}

export interface ConflictQuery {
  outcome?: 'auto' | 'pending' | 'resolved';
  table?: string;
  limit?: number;
  offset?: number;
}

const SELECT = `SELECT c.id::int AS "id", c.node_id AS "nodeId", st.schema_name || '.' || st.table_name AS "table",
    c.row_uid AS "rowUid", c.column_name AS "column", c.kind, c.rule, c.base_value AS "base",
    c.central_value AS "central", c.clone_value AS "clone", c.incoming, c.winner, c.outcome, c.sqlstate, c.message,
    to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdAt", c.resolved_by AS "resolvedBy",
    to_char(c.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "resolvedAt", c.resolution
  FROM geosync_dbsync.conflict c JOIN geosync_dbsync.synced_table st ON st.id = c.table_id`;

/** The central's conflicts (its own and those its clones pushed), newest first. */
export async function listConflicts(
  central: PostgresDatabase,
  query: ConflictQuery,
  signal: AbortSignal,
): Promise<{ items: ConflictRecord[]; total: number }> {
  return central.withSession(async (s) => {
    await requireNode(s, 'central', 'central');
    const where = `WHERE ($1::text IS NULL OR c.outcome = $1) AND ($2::text IS NULL OR st.schema_name || '.' || st.table_name = $2)`;
    const params = [query.outcome ?? null, query.table ?? null];
    const { rows } = await s.query<ConflictRecord>(`${SELECT} ${where} ORDER BY c.id DESC LIMIT $3 OFFSET $4`, [
      ...params,
      query.limit ?? 100,
      query.offset ?? 0,
    ]);
    const total = await s.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM geosync_dbsync.conflict c JOIN geosync_dbsync.synced_table st ON st.id = c.table_id ${where}`,
      params,
    );
    return { items: rows, total: total.rows[0]!.n };
  }, signal);
}

export interface Resolution {
  keep: 'central' | 'clone' | 'value';
  /** With keep = value: the column's value as JSON (geometries as hex EWKB text). */
  value?: unknown;
  by: string;
}

const ROW_KINDS = new Set(['update_delete', 'delete_update', 'unique_violation', 'fk_orphan', 'constraint_violation']);

/**
 * A person's choice, written on the central as a change whose clock is marked `resolved`: every
 * node applies it whatever its rule, so all converge on the choice. Sibling conflicts of the
 * same row (the same event seen from both sides) are closed with it.
 */
export async function resolveConflict(
  central: PostgresDatabase,
  id: number,
  resolution: Resolution,
  signal: AbortSignal,
): Promise<ConflictRecord> {
  return central.withSession(async (s) => {
    await requireNode(s, 'central', 'central');
    await s.query('BEGIN');
    try {
      const { rows } = await s.query<ConflictRecord & { tableId: number }>(
        `${SELECT.replace('SELECT ', 'SELECT c.table_id AS "tableId", ')} WHERE c.id = $1 FOR UPDATE OF c`,
        [id],
      );
      const record = rows[0];
      if (!record) throw new UserError('dbsync_conflict_not_found', `There is no conflict ${id}`, { status: 404 });
      if (record.outcome === 'resolved') {
        throw conflict('dbsync_conflict_resolved', `Conflict ${id} is already resolved`);
      }
      await s.query(`SELECT set_config('geosync_dbsync.origin', 'resolve', true)`);
      if (record.column !== null && !ROW_KINDS.has(record.kind)) {
        await resolveColumn(s, record, resolution);
      } else {
        await resolveRow(s, record, resolution);
      }
      await s.query(
        `UPDATE geosync_dbsync.conflict SET outcome = 'resolved', resolved_by = $2, resolved_at = now(), resolution = $3
          WHERE id = $1 OR (table_id = $4 AND row_uid = $5 AND outcome = 'pending' AND ($6::text IS NULL OR column_name IS NULL OR column_name = $6))`,
        [
          id,
          resolution.by,
          JSON.stringify({ keep: resolution.keep, value: resolution.value ?? null, conflict: id }),
          record.tableId,
          record.rowUid,
          ROW_KINDS.has(record.kind) ? null : record.column,
        ],
      );
      await s.query('COMMIT');
    } catch (error) {
      await s.query('ROLLBACK').catch(() => undefined);
      throw resolutionError(error);
    }
    const { rows } = await s.query<ConflictRecord>(`${SELECT} WHERE c.id = $1`, [id]);
    return rows[0]!;
  }, signal);
}

type Target = ConflictRecord & { tableId: number };

async function resolveColumn(s: PgSession, record: Target, resolution: Resolution): Promise<void> {
  if (record.kind === 'schema_mismatch' && resolution.keep !== 'central') {
    throw conflict(
      'dbsync_conflict_column_gone',
      `Column ${record.column} no longer exists: only --keep central closes it`,
    );
  }
  if (record.kind === 'schema_mismatch') return;
  if (resolution.keep === 'value' && resolution.value === undefined) {
    throw new UserError('dbsync_resolution_value_missing', 'Give the value to keep');
  }
  const chosen =
    resolution.keep === 'value' ? resolution.value : resolution.keep === 'central' ? record.central : record.clone;
  const { rows } = await s.query<{ changed: number }>(
    'SELECT geosync_dbsync.resolve_column($1, $2, $3, $4) AS changed',
    [record.tableId, record.rowUid, record.column, JSON.stringify(chosen ?? null)],
  );
  if (rows[0]!.changed === 0) {
    throw conflict(
      'dbsync_conflict_row_gone',
      `Row ${record.rowUid} no longer exists on the central; resolve its delete instead`,
    );
  }
}

async function resolveRow(s: PgSession, record: Target, resolution: Resolution): Promise<void> {
  if (resolution.keep === 'value') {
    throw new UserError(
      'dbsync_resolution_invalid',
      'A whole-row conflict is resolved by keeping the central or the clone',
    );
  }
  if (resolution.keep === 'central') {
    await s.query('SELECT geosync_dbsync.resolve_row($1, $2, NULL, $3)', [record.tableId, record.rowUid, 'central']);
    return;
  }
  const incoming = record.incoming as { op?: string; new_vals?: Record<string, unknown> } | null;
  let row: unknown;
  if (
    ROW_KINDS.has(record.kind) &&
    incoming?.op &&
    record.kind !== 'update_delete' &&
    record.kind !== 'delete_update'
  ) {
    // A quarantined change: its values, over the central's row for an update.
    row = incoming.op === 'D' ? null : { ...(incoming.new_vals ?? {}) };
    if (incoming.op === 'U') row = { __merge: true, ...(row as object) };
  } else {
    row = record.clone;
    if (row !== null && (typeof row !== 'object' || !('uid' in row))) {
      throw conflict(
        'dbsync_conflict_needs_row',
        `Conflict ${record.id} holds only the clone's changed columns; resolve the clone's delete_update conflict of row ${record.rowUid} instead`,
      );
    }
  }
  await s.query('SELECT geosync_dbsync.resolve_row($1, $2, $3, $4)', [
    record.tableId,
    record.rowUid,
    row === null ? null : JSON.stringify(row),
    'clone',
  ]);
}

/** A choice the central's constraints refuse (the clone's row references a deleted parent...). */
function resolutionError(error: unknown): unknown {
  const state = (error as { code?: string } | undefined)?.code ?? '';
  if (state.startsWith('23') || state === 'GSD03') {
    return conflict(
      'dbsync_resolution_refused',
      `The central refuses this choice: ${(error as Error).message}. Resolve the related conflicts first (the parent row, the other holder of the key) or keep the central's side`,
    );
  }
  if (state === 'GSD02') return new UserError('dbsync_schema_outdated', (error as Error).message, { status: 409 });
  return error;
}
