import { type QualifiedName, quoteIdent, quoteQualified, tableNameCandidates } from '../../lib/sql-identifiers.ts';
import {
  type ColumnDescription,
  type IndexDescription,
  type PgSession,
  type TableDescription,
  tableNotFound,
} from '../database.ts';

/**
 * What geosync reads from PostgreSQL's catalogs, over any PgSession: a PostGIS connection or
 * the embedded store. Every user value is a query parameter; names are compared in the
 * catalogs, never spliced into SQL.
 */

/** Schemas holding PostgreSQL's own objects (pg_temp_*, pg_toast_temp_* match `pg_%`). */
const systemSchemas = ['information_schema', 'topology', 'tiger', 'tiger_data'];

/** Relations a user may read rows from: tables, partitioned tables, views, materialized views. */
const readableKinds = ['r', 'p', 'v', 'm'];

/** Which tables a database offers, and how their names are written. */
export interface CatalogScope {
  /** Unqualified names belong to this schema. */
  schema: string;
  /**
   * Not the user's: geosync's own store tables (in `schema`) and schemas (named `prefix...`).
   * They are not listed, described nor read, as if they did not exist.
   */
  hidden?: { schema: string; tables: readonly string[]; schemaPrefix: string };
}

export function isHidden(table: QualifiedName, { hidden }: CatalogScope): boolean {
  if (!hidden) return false;
  return (
    (table.schema === hidden.schema && hidden.tables.includes(table.name)) ||
    table.schema.startsWith(hidden.schemaPrefix)
  );
}

/** How listTables and TableDescription.name write a table: bare in the default schema. */
export function displayName(table: QualifiedName, defaultSchema: string): string {
  return table.schema === defaultSchema ? table.name : `${table.schema}.${table.name}`;
}

/**
 * Readable tables and views, sorted. Extension members are left out: that is how PostGIS's
 * spatial_ref_sys, geometry_columns, raster_columns... (and any other extension's tables) go,
 * whatever schema the extension lives in. Partitions are left out: their parent is the table.
 */
export async function listTables(session: PgSession, scope: CatalogScope): Promise<string[]> {
  const { rows } = await session.query<QualifiedName>(
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = ANY($1) AND NOT c.relispartition
        AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> ALL($2)
        AND NOT (n.nspname = $3 AND c.relname = ANY($4)) AND NOT ($5 <> '' AND starts_with(n.nspname, $5))
        AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`,
    [
      readableKinds,
      systemSchemas,
      scope.hidden?.schema ?? '',
      scope.hidden?.tables ?? [],
      scope.hidden?.schemaPrefix ?? '',
    ],
  );
  return unambiguousNames(rows, scope.schema).sort();
}

/**
 * Names raw as a user reads them, except where describeTable would take the raw name for
 * another table (schema "Mixed" table "Case" next to the table "Mixed.Case"; a name that looks
 * quoted): those come quoted, which describeTable also accepts.
 */
function unambiguousNames(tables: readonly QualifiedName[], defaultSchema: string): string[] {
  const key = (t: QualifiedName) => JSON.stringify([t.schema, t.name]);
  const listed = new Set(tables.map(key));
  return tables.map((table) => {
    const raw = displayName(table, defaultSchema);
    const meant = tableNameCandidates(raw, defaultSchema).find((candidate) => listed.has(key(candidate)));
    if (meant && key(meant) === key(table)) return raw;
    return table.schema === defaultSchema ? quoteIdent(table.name) : quoteQualified(table);
  });
}

export interface ResolvedTable extends QualifiedName {
  oid: number;
  kind: string;
}

/** The relation a task's table name means (see tableNameCandidates), or table_not_found. */
export async function resolveTable(session: PgSession, text: string, scope: CatalogScope): Promise<ResolvedTable> {
  for (const candidate of tableNameCandidates(text, scope.schema)) {
    if (isHidden(candidate, scope)) continue;
    const { rows } = await session.query<{ oid: number; kind: string }>(
      `SELECT c.oid::int8::float8 AS oid, c.relkind::text AS kind
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = ANY($3)`,
      [candidate.schema, candidate.name, readableKinds],
    );
    const found = rows[0];
    if (found) return { ...candidate, oid: Number(found.oid), kind: found.kind };
  }
  throw tableNotFound(text);
}

interface ColumnRow {
  name: string;
  pg_type: string;
  not_null: boolean;
  default_expr: string | null;
  comment: string | null;
}

/**
 * Columns in order. A default is kept only when another PostgreSQL database can evaluate it:
 * constants and built-in functions (now(), gen_random_uuid()) and PostGIS's. It is dropped
 * when it depends on a relation other than its own table (a sequence: serial's nextval) or on
 * a non-built-in function; built-in objects are pinned, so PostgreSQL records no dependency on
 * them and any recorded one is foreign. Identity columns have no default (their sequence is the source's), nor have
 * generated columns (the copy writes their values).
 */
async function columnsOf(session: PgSession, oid: number): Promise<ColumnDescription[]> {
  const { rows } = await session.query<ColumnRow>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS pg_type, a.attnotnull AS not_null,
            col_description(a.attrelid, a.attnum) AS comment,
            CASE WHEN a.attgenerated = '' AND NOT EXISTS (
                   SELECT 1 FROM pg_depend dep
                    WHERE dep.classid = 'pg_attrdef'::regclass AND dep.objid = ad.oid
                      AND ((dep.refclassid = 'pg_class'::regclass AND dep.refobjid <> a.attrelid)
                           OR (dep.refclassid = 'pg_proc'::regclass AND NOT EXISTS (
                                SELECT 1 FROM pg_depend ext JOIN pg_extension e ON e.oid = ext.refobjid
                                 WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = dep.refobjid
                                   AND ext.deptype = 'e' AND e.extname = 'postgis'))))
                 THEN pg_get_expr(ad.adbin, ad.adrelid) END AS default_expr
       FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid],
  );
  return rows.map((row) => ({
    name: row.name,
    pgType: row.pg_type,
    nullable: !row.not_null,
    ...(row.default_expr !== null && { default: row.default_expr }),
    ...(row.comment !== null && { comment: row.comment }),
  }));
}

async function primaryKeyOf(session: PgSession, oid: number): Promise<string[]> {
  const { rows } = await session.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_constraint con, unnest(con.conkey) WITH ORDINALITY AS k(attnum, position), pg_attribute a
      WHERE con.conrelid = $1 AND con.contype = 'p' AND a.attrelid = con.conrelid AND a.attnum = k.attnum
      ORDER BY k.position`,
    [oid],
  );
  return rows.map((row) => row.name);
}

/** Indexes but the primary key's; an expression's place in `columns` holds its text. */
async function indexesOf(session: PgSession, oid: number): Promise<IndexDescription[]> {
  const { rows } = await session.query<IndexDescription>(
    `SELECT ic.relname AS name, i.indisunique AS unique, am.amname AS method,
            pg_get_indexdef(i.indexrelid) AS definition,
            ARRAY(SELECT coalesce(a.attname::text, pg_get_indexdef(i.indexrelid, k.n, true))
                    FROM generate_series(1, i.indnkeyatts::int) AS k(n)
                    LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1]
                   ORDER BY k.n) AS columns
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = $1 AND NOT i.indisprimary
      ORDER BY ic.relname`,
    [oid],
  );
  return rows.map((row) => ({ ...row, columns: [...row.columns] }));
}

async function tableFactsOf(session: PgSession, oid: number): Promise<{ comment?: string; estimatedRows?: number }> {
  const { rows } = await session.query<{ comment: string | null; tuples: number }>(
    `SELECT obj_description(c.oid, 'pg_class') AS comment, c.reltuples::float8 AS tuples FROM pg_class c WHERE c.oid = $1`,
    [oid],
  );
  const facts = rows[0];
  // -1: never vacuumed or analysed (PostgreSQL 14+); views and partitioned tables have no count.
  const tuples = Number(facts?.tuples ?? -1);
  return {
    ...(facts?.comment != null && { comment: facts.comment }),
    ...(tuples >= 0 && { estimatedRows: Math.round(tuples) }),
  };
}

/** Describes a table or view; materialized views are views, partitioned tables are tables. */
export async function describeTable(session: PgSession, text: string, scope: CatalogScope): Promise<TableDescription> {
  return describeRelation(session, await resolveTable(session, text, scope), scope.schema);
}

export async function describeRelation(
  session: PgSession,
  table: ResolvedTable,
  defaultSchema: string,
): Promise<TableDescription> {
  const isView = table.kind === 'v' || table.kind === 'm';
  const facts = await tableFactsOf(session, table.oid);
  return {
    name: displayName(table, defaultSchema),
    kind: isView ? 'view' : 'table',
    columns: await columnsOf(session, table.oid),
    primaryKey: await primaryKeyOf(session, table.oid),
    indexes: await indexesOf(session, table.oid),
    ...(facts.comment !== undefined && { comment: facts.comment }),
    ...(!isView && facts.estimatedRows !== undefined && { estimatedRows: facts.estimatedRows }),
  };
}
