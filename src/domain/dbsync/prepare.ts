import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import { quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';
import { applyOrder, type CatalogTable, listCatalogTables, listForeignKeys, NEVER_SYNCED_SCHEMAS } from './catalog.ts';
import { requireNode } from './structures.ts';

export const conflictRules = ['lww', 'central_wins', 'manual'] as const;
export type ConflictRule = (typeof conflictRules)[number];

export interface PrepareOptions {
  schemas: string[];
  /** Per table (`schema.table`): the conflict rule; others keep theirs (new ones: lww). */
  rules?: Record<string, ConflictRule>;
  /** Tables without a primary key to sync anyway (uid becomes their key). */
  syncWithoutPrimaryKey?: string[];
  /** Smaller tables get their uid in one rewriting statement; bigger ones without a long lock. */
  uidRewriteBelowRows?: number;
  signal: AbortSignal;
}

export interface PreparedTable {
  table: string;
  rule: ConflictRule;
  uid: 'existing' | 'added_by_rewrite' | 'added_online';
  newlySynced: boolean;
}

export interface PrepareResult {
  serverId: string;
  tables: PreparedTable[];
  /** Tables left out because they have no primary key (name them to sync them anyway). */
  withoutPrimaryKey: string[];
  /** The DDL run, so a schema migration can replay it on clones. */
  ddl: string[];
}

const BACKFILL_ROWS = 10_000;
const qualified = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/**
 * Makes the listed schemas' tables syncable: a `uid` on each, the capture and TRUNCATE triggers,
 * a synced_table row (rule, local and text columns, FK-safe order, fingerprint). Idempotent:
 * run it again after adding tables. Autocommit: the online uid path needs CONCURRENTLY.
 */
export async function prepareCentral(db: PostgresDatabase, options: PrepareOptions): Promise<PrepareResult> {
  const schemas = [...new Set(options.schemas)];
  if (schemas.length === 0) throw new UserError('dbsync_no_schemas', 'Name at least one schema to sync');
  const refused = schemas.filter((s) => NEVER_SYNCED_SCHEMAS.includes(s) || s.startsWith('pg_'));
  if (refused.length > 0) {
    throw new UserError('dbsync_schema_not_allowed', `These schemas are never synced: ${refused.join(', ')}`, {
      details: [{ field: 'schemas', message: refused.join(', ') }],
    });
  }
  return db.withSession(async (session) => {
    const meta = await requireNode(session, 'central', 'central');
    const missing = await missingSchemas(session, schemas);
    if (missing.length > 0) {
      throw new UserError('dbsync_schema_not_found', `No schema named ${missing.join(', ')}`, {
        status: 404,
        details: [{ field: 'schemas', message: missing.join(', ') }],
      });
    }
    const all = (await listCatalogTables(session, schemas)).filter((t) => !db.isReserved?.(t));
    const force = new Set(options.syncWithoutPrimaryKey ?? []);
    const tables = all.filter((t) => t.primaryKey.length > 0 || force.has(qualified(t)));
    const withoutPrimaryKey = all.filter((t) => t.primaryKey.length === 0 && !force.has(qualified(t))).map(qualified);
    const invalid = tables.filter((t) => t.uid === 'invalid');
    if (invalid.length > 0) {
      throw new UserError(
        'dbsync_uid_column_invalid',
        `A column named uid exists but is not a unique, not-null uuid in: ${invalid.map(qualified).join(', ')}`,
      );
    }
    const fks = await listForeignKeys(session, schemas);
    const localKeyFk = fks.find((fk) => {
      const parent = tables.find((t) => qualified(t) === fk.parent);
      return parent && fk.parentColumns.some((c) => parent.localColumns.includes(c));
    });
    if (localKeyFk) {
      throw conflict(
        'dbsync_fk_on_local_key',
        `Foreign key ${localKeyFk.name} of ${localKeyFk.child} points at ${localKeyFk.parent}(${localKeyFk.parentColumns.join(', ')}), a serial/identity key each node numbers itself: point it at uid instead`,
      );
    }
    const order = applyOrder(tables.map(qualified), fks);
    const ddl: string[] = [];
    const run = async (sql: string) => {
      options.signal.throwIfAborted();
      await session.query(sql);
      ddl.push(sql);
    };
    const prepared: PreparedTable[] = [];
    for (const table of tables) {
      const uid = table.uid === 'valid' ? 'existing' : await addUid(session, table, options, run);
      const name = quoteQualified(table);
      await run(`DROP TRIGGER IF EXISTS geosync_dbsync_capture ON ${name}`);
      await run(
        `CREATE TRIGGER geosync_dbsync_capture AFTER INSERT OR UPDATE OR DELETE ON ${name} FOR EACH ROW EXECUTE FUNCTION geosync_dbsync.capture()`,
      );
      await run(`DROP TRIGGER IF EXISTS geosync_dbsync_no_truncate ON ${name}`);
      await run(
        `CREATE TRIGGER geosync_dbsync_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION geosync_dbsync.refuse_truncate()`,
      );
      const rule = options.rules?.[qualified(table)];
      const { rows } = await session.query<{ rule: ConflictRule; inserted: boolean }>(
        `INSERT INTO geosync_dbsync.synced_table AS s
           (schema_name, table_name, rule, local_columns, text_columns, apply_order, fingerprint)
         SELECT $1::text, $2::text, coalesce($3::text, 'lww'), $4::text[], $5::text[], $6::integer, fingerprint
           FROM (SELECT md5(coalesce(string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum), '')) AS fingerprint
                   FROM pg_attribute a WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped) f
         ON CONFLICT (schema_name, table_name) DO UPDATE SET rule = coalesce($3::text, s.rule), local_columns = excluded.local_columns,
           text_columns = excluded.text_columns, apply_order = excluded.apply_order, fingerprint = excluded.fingerprint
         RETURNING rule, (xmax = 0) AS inserted`,
        [
          table.schema,
          table.name,
          rule ?? null,
          table.localColumns,
          table.textColumns,
          order.get(qualified(table)) ?? 0,
        ],
      );
      prepared.push({ table: qualified(table), rule: rows[0]!.rule, uid, newlySynced: rows[0]!.inserted });
    }
    await logExistingRowsForClones(session, prepared);
    return { serverId: meta.nodeId, tables: prepared, withoutPrimaryKey, ddl };
  }, options.signal);
}

async function missingSchemas(session: PgSession, schemas: string[]): Promise<string[]> {
  const { rows } = await session.query<{ name: string }>(
    'SELECT s AS name FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)',
    [schemas],
  );
  return rows.map((r) => r.name);
}

/**
 * `ADD COLUMN ... DEFAULT gen_random_uuid()` rewrites the table under an exclusive lock (a
 * volatile default). Fine for small tables; big ones get the column without a default, a
 * resumable backfill in short transactions and constraints validated without blocking writers.
 */
async function addUid(
  session: PgSession,
  table: CatalogTable,
  options: PrepareOptions,
  run: (sql: string) => Promise<void>,
): Promise<PreparedTable['uid']> {
  const name = quoteQualified(table);
  const key = quoteIdent(`${table.name.slice(0, 40)}_geosync_uid_key`);
  if (table.uid === 'absent' && table.estimatedRows < (options.uidRewriteBelowRows ?? 100_000)) {
    await run(`ALTER TABLE ${name} ADD COLUMN uid uuid NOT NULL DEFAULT gen_random_uuid()`);
    await run(`ALTER TABLE ${name} ADD CONSTRAINT ${key} UNIQUE (uid)`);
    return 'added_by_rewrite';
  }
  await session.query(`SET lock_timeout = '5s'`);
  if (table.uid === 'absent') await run(`ALTER TABLE ${name} ADD COLUMN uid uuid`);
  await run(`ALTER TABLE ${name} ALTER COLUMN uid SET DEFAULT gen_random_uuid()`);
  // Short transactions: writers wait at most for one slice (the capture trigger comes after).
  for (;;) {
    options.signal.throwIfAborted();
    const { rowCount } = await session.query(
      `WITH todo AS (SELECT ctid FROM ${name} WHERE uid IS NULL LIMIT ${BACKFILL_ROWS} FOR UPDATE SKIP LOCKED)
       UPDATE ${name} t SET uid = gen_random_uuid() FROM todo WHERE t.ctid = todo.ctid`,
    );
    if (rowCount === 0) break;
  }
  const index = quoteIdent(`${table.name.slice(0, 40)}_geosync_uid_idx`);
  await run(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(table.schema)}.${index}`);
  await run(`CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${name} (uid)`);
  const check = quoteIdent(`${table.name.slice(0, 40)}_geosync_uid_nn`);
  await run(`ALTER TABLE ${name} ADD CONSTRAINT ${check} CHECK (uid IS NOT NULL) NOT VALID`);
  await run(`ALTER TABLE ${name} VALIDATE CONSTRAINT ${check}`);
  await run(`ALTER TABLE ${name} ALTER COLUMN uid SET NOT NULL`);
  await run(`ALTER TABLE ${name} DROP CONSTRAINT ${check}`);
  await run(`ALTER TABLE ${name} ADD CONSTRAINT ${key} UNIQUE USING INDEX ${index}`);
  await session.query('RESET lock_timeout');
  return 'added_online';
}

/**
 * A table that joins the sync while clones exist reaches them as inserts of all its rows
 * (scenario 30: no redeploy). Before the first package nothing is logged: the package has them.
 */
async function logExistingRowsForClones(session: PgSession, prepared: PreparedTable[]): Promise<void> {
  const fresh = prepared.filter((t) => t.newlySynced);
  if (fresh.length === 0) return;
  const { rows } = await session.query<{ n: string }>(
    `SELECT ((SELECT count(*) FROM geosync_dbsync.clone) + (SELECT count(*) FROM geosync_dbsync.package))::text AS n`,
  );
  if (rows[0]!.n === '0') return;
  for (const t of fresh) {
    const [schema, ...rest] = t.table.split('.');
    await session.query(
      `SELECT geosync_dbsync.log_all_rows(st) FROM geosync_dbsync.synced_table st WHERE schema_name = $1 AND table_name = $2`,
      [schema, rest.join('.')],
    );
  }
}
