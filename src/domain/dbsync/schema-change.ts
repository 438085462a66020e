import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import { prepareCentral } from './prepare.ts';
import { type NodeMeta, requireNode } from './structures.ts';

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
  const schemas = await central.withSession(async (s) => {
    await requireNode(s, 'central', 'central');
    await checkDrift(s, 'central');
    const { rows } = await s.query<{ schema_name: string }>(
      'SELECT DISTINCT schema_name FROM geosync_dbsync.synced_table ORDER BY 1',
    );
    await s.query('BEGIN');
    try {
      for (const statement of options.statements) await s.query(statement);
      await s.query('COMMIT');
    } catch (error) {
      await s.query('ROLLBACK');
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
       INSERT INTO geosync_dbsync.schema_migration (version, statements, synced_tables, description)
       SELECT v.schema_version, $1, (SELECT jsonb_agg(to_jsonb(st) ORDER BY st.id) FROM geosync_dbsync.synced_table st), $2
         FROM v RETURNING version AS v`,
      [[...options.statements, ...prepared.ddl], options.description ?? ''],
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
  const { rows } = await central.query<{ version: number; statements: string[]; synced_tables: unknown[] }>(
    `SELECT version, statements, synced_tables FROM geosync_dbsync.schema_migration WHERE version > $1 ORDER BY version`,
    [cloneMeta.schemaVersion],
  );
  for (const m of rows) {
    await clone.query('BEGIN');
    try {
      for (const statement of m.statements) await clone.query(statement);
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
        `INSERT INTO geosync_dbsync.schema_migration (version, statements, synced_tables) VALUES ($1, $2, $3)`,
        [m.version, m.statements, JSON.stringify(m.synced_tables)],
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
