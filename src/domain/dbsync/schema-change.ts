import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import { prepareCentral } from './prepare.ts';
import { type NodeMeta, requireNode } from './structures.ts';

/** A column renamed by a migration: changes made before it are translated on arrival. */
interface Rename {
  table_id: number;
  from: string;
  to: string;
}

async function syncedColumns(s: PgSession): Promise<Map<string, string>> {
  const { rows } = await s.query<{ k: string; name: string }>(
    `SELECT st.id || ':' || a.attnum AS k, a.attname AS name
       FROM geosync_dbsync.synced_table st
       JOIN pg_attribute a ON a.attrelid = to_regclass(format('%I.%I', st.schema_name, st.table_name))
      WHERE a.attnum > 0 AND NOT a.attisdropped`,
  );
  return new Map(rows.map((r) => [r.k, r.name]));
}

/** Same column number, another name: a rename (a drop and an add get a new number). */
function renamesBetween(before: Map<string, string>, after: Map<string, string>): Rename[] {
  const renames: Rename[] = [];
  for (const [key, from] of before) {
    const to = after.get(key);
    if (to !== undefined && to !== from) renames.push({ table_id: Number(key.split(':')[0]), from, to });
  }
  return renames;
}

/** The per-column clocks follow the rename, so last-writer-wins still compares the right ones. */
async function renameClocks(s: PgSession, renames: Rename[]): Promise<void> {
  for (const r of renames) {
    await s.query(
      `UPDATE geosync_dbsync.row_clock SET clocks = (clocks - $2::text) || jsonb_build_object($3::text, clocks->$2::text)
        WHERE table_id = $1 AND clocks ? $2::text`,
      [r.table_id, r.from, r.to],
    );
  }
}

/** Rows this transaction inserted, updated or deleted so far (DDL, even a rewrite, counts none). */
async function rowsWritten(s: PgSession): Promise<string> {
  const { rows } = await s.query<{ n: string }>(
    'SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint::text AS n FROM pg_stat_xact_user_tables',
  );
  return rows[0]!.n;
}

/** Synced tables whose columns changed since the last prepare/migrate: DDL run behind the sync's back. */
export async function checkDrift(session: PgSession, label: string): Promise<void> {
  const { rows } = await session.query<{ name: string }>(
    `SELECT st.schema_name || '.' || st.table_name AS name
       FROM geosync_dbsync.synced_table st
       LEFT JOIN LATERAL (
         SELECT md5(coalesce(string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum), '')) AS now
           FROM pg_attribute a
          WHERE a.attrelid = to_regclass(format('%I.%I', st.schema_name, st.table_name)) AND a.attnum > 0
            AND NOT a.attisdropped) f ON true
      WHERE f.now IS DISTINCT FROM st.fingerprint
      ORDER BY 1`,
  );
  if (rows.length > 0) {
    throw conflict(
      'dbsync_schema_drift',
      `The columns of ${rows.map((r) => r.name).join(', ')} on the ${label} changed outside 'geosync dbsync migrate': ` +
        `run the change through 'geosync dbsync migrate' on the central (clones replay it), or undo it`,
    );
  }
}

export interface MigrateOptions {
  /** The DDL to run on the central and every clone, one statement per entry. */
  statements: string[];
  description?: string;
  /** Schemas of tables that join the sync (for CREATE TABLE); default: those already synced. */
  schemas?: string[];
  signal: AbortSignal;
}

export interface MigrateResult {
  schemaVersion: number;
  newTables: string[];
}

/**
 * A schema change through the sync: runs the DDL on the central, prepares new or changed tables,
 * records the statements (with the DDL prepare ran) as the next schema version. Clones replay it
 * at their next sync before any batch, so none gets changes it cannot store.
 */
export async function migrateCentral(central: PostgresDatabase, options: MigrateOptions): Promise<MigrateResult> {
  if (options.statements.length === 0 || options.statements.some((s) => s.trim() === '')) {
    throw new UserError('dbsync_migration_empty', 'Give at least one non-empty DDL statement');
  }
  let renames: Rename[] = [];
  const schemas = await central.withSession(async (s) => {
    await requireNode(s, 'central', 'central');
    await checkDrift(s, 'central');
    const { rows } = await s.query<{ schema_name: string }>(
      'SELECT DISTINCT schema_name FROM geosync_dbsync.synced_table ORDER BY 1',
    );
    await s.query('BEGIN');
    try {
      const before = await rowsWritten(s);
      const columnsBefore = await syncedColumns(s);
      for (const statement of options.statements) await s.query(statement);
      // Clones replay the statements: rows written here would be written again there under
      // other uids. Rows are written normally, and synced.
      if ((await rowsWritten(s)) !== before) {
        throw new UserError(
          'dbsync_migration_writes_rows',
          'A migration is replayed on every clone, so it may only change the schema: run it without the INSERT/UPDATE/DELETE, then write the rows normally (they are synced)',
        );
      }
      renames = renamesBetween(columnsBefore, await syncedColumns(s));
      await renameClocks(s, renames);
      await s.query('COMMIT');
    } catch (error) {
      await s.query('ROLLBACK');
      if (error instanceof UserError) throw error;
      throw new UserError(
        'dbsync_migration_failed',
        `The schema change failed on the central: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return [...new Set([...rows.map((r) => r.schema_name), ...(options.schemas ?? [])])];
  }, options.signal);
  const prepared = await prepareCentral(central, { schemas, uidRewriteBelowRows: Infinity, signal: options.signal });
  return central.withSession(async (s) => {
    const { rows } = await s.query<{ v: number }>(
      `WITH v AS (UPDATE geosync_dbsync.meta SET schema_version = schema_version + 1 RETURNING schema_version)
       INSERT INTO geosync_dbsync.schema_migration (version, statements, synced_tables, description, renames)
       SELECT v.schema_version, $1, (SELECT jsonb_agg(to_jsonb(st) ORDER BY st.id) FROM geosync_dbsync.synced_table st), $2, $3
         FROM v RETURNING version AS v`,
      [[...options.statements, ...prepared.ddl], options.description ?? '', JSON.stringify(renames)],
    );
    return { schemaVersion: rows[0]!.v, newTables: prepared.tables.filter((t) => t.newlySynced).map((t) => t.table) };
  }, options.signal);
}

/**
 * Brings a clone to the central's schema version: each missing migration in its own transaction,
 * with the synced-table rows it recorded. Returns how many ran.
 */
export async function replaySchemaMigrations(
  central: PgSession,
  clone: PgSession,
  cloneMeta: NodeMeta,
): Promise<number> {
  const { rows } = await central.query<{
    version: number;
    statements: string[];
    synced_tables: unknown[];
    renames: Rename[];
  }>(
    `SELECT version, statements, synced_tables, renames FROM geosync_dbsync.schema_migration WHERE version > $1 ORDER BY version`,
    [cloneMeta.schemaVersion],
  );
  for (const m of rows) {
    await clone.query('BEGIN');
    try {
      for (const statement of m.statements) await clone.query(statement);
      await renameClocks(clone, m.renames);
      await clone.query(
        `INSERT INTO geosync_dbsync.synced_table SELECT * FROM jsonb_populate_recordset(NULL::geosync_dbsync.synced_table, $1)
         ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, local_columns = excluded.local_columns,
           text_columns = excluded.text_columns, apply_order = excluded.apply_order, fingerprint = excluded.fingerprint`,
        [JSON.stringify(m.synced_tables)],
      );
      await clone.query(
        `SELECT setval('geosync_dbsync.synced_table_id_seq', greatest((SELECT max(id) FROM geosync_dbsync.synced_table), 1))`,
      );
      await clone.query(
        `INSERT INTO geosync_dbsync.schema_migration (version, statements, synced_tables, renames) VALUES ($1, $2, $3, $4)`,
        [m.version, m.statements, JSON.stringify(m.synced_tables), JSON.stringify(m.renames)],
      );
      await clone.query('UPDATE geosync_dbsync.meta SET schema_version = $1', [m.version]);
      await clone.query('COMMIT');
    } catch (error) {
      await clone.query('ROLLBACK');
      throw new UserError(
        'dbsync_schema_outdated',
        `The clone is on schema version ${cloneMeta.schemaVersion} and could not replay version ${m.version}: ${(error as Error).message}. Its changes stay queued; fix the clone's schema or redeploy it`,
        { status: 409, cause: error },
      );
    }
  }
  return rows.length;
}
