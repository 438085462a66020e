import type { ColumnDescription, IndexDescription, TableDescription } from '../database.ts';
import { tableNotFound } from '../database.ts';
import type { MysqlSession } from './mysql-connection.ts';
import { type MysqlColumnType, pgTypeOf, portableDefault } from './mysql-types.ts';

/**
 * Reads table metadata from information_schema. Every value goes as a parameter. Names are
 * compared as bytes: the collation of information_schema may ignore case, and `Roads` and
 * `roads` can be two tables.
 */
const sameName = (column: string) => `CAST(${column} AS BINARY) = CAST(? AS BINARY)`;

/** What a table is in information_schema.TABLES; MariaDB also has `SYSTEM VERSIONED` tables. */
const listedTypes = "('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')";

export async function listMysqlTables(session: MysqlSession, database: string): Promise<string[]> {
  const rows = await session.query<{ name: string }>(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ${listedTypes}`,
    [database],
  );
  return rows.map((r) => r.name).sort();
}

interface TableRow {
  type: string;
  estimatedRows: string | number | null;
  comment: string | null;
}

interface ColumnRow {
  name: string;
  dataType: string;
  columnType: string;
  nullable: string;
  columnDefault: string | null;
  extra: string;
  comment: string;
  charLength: string | number | null;
  precision: string | number | null;
  scale: string | number | null;
  datetimePrecision: string | number | null;
}

export interface MysqlTableColumns {
  kind: 'table' | 'view';
  table: TableRow;
  columns: ColumnRow[];
}

const toNumber = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));

/** The table's kind and columns; `table_not_found` when it does not exist. Shared with readRows. */
export async function readMysqlColumns(
  session: MysqlSession,
  database: string,
  name: string,
): Promise<MysqlTableColumns> {
  const [table] = await session.query<TableRow>(
    `SELECT TABLE_TYPE AS type, TABLE_ROWS AS estimatedRows, TABLE_COMMENT AS comment
       FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND ${sameName('TABLE_NAME')} AND TABLE_TYPE IN ${listedTypes}`,
    [database, name],
  );
  if (!table) throw tableNotFound(name);
  const columns = await session.query<ColumnRow>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            COLUMN_DEFAULT AS columnDefault, EXTRA AS extra, COLUMN_COMMENT AS comment,
            CHARACTER_MAXIMUM_LENGTH AS charLength, NUMERIC_PRECISION AS \`precision\`,
            NUMERIC_SCALE AS scale, DATETIME_PRECISION AS datetimePrecision
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND ${sameName('TABLE_NAME')}
      ORDER BY ORDINAL_POSITION`,
    [database, name],
  );
  return { kind: table.type === 'VIEW' ? 'view' : 'table', table, columns };
}

/** SRIDs declared on spatial columns (MariaDB: REF_SYSTEM_ID; MySQL 8: SRID), by column name. */
async function declaredSrids(session: MysqlSession, database: string, name: string): Promise<Map<string, number>> {
  // MySQL 5.7 has neither view: its columns carry no SRID, so there is nothing to learn.
  if (!session.flavor.mariadb && session.flavor.major < 8) return new Map();
  const sql = session.flavor.mariadb
    ? `SELECT G_GEOMETRY_COLUMN AS name, SRID AS srid FROM information_schema.GEOMETRY_COLUMNS
        WHERE G_TABLE_SCHEMA = ? AND ${sameName('G_TABLE_NAME')}`
    : `SELECT COLUMN_NAME AS name, SRS_ID AS srid FROM information_schema.ST_GEOMETRY_COLUMNS
        WHERE TABLE_SCHEMA = ? AND ${sameName('TABLE_NAME')}`;
  const rows = await session.query<{ name: string; srid: number | string | null }>(sql, [database, name]);
  return new Map(rows.map((r) => [r.name, Number(r.srid ?? 0)]));
}

/** MariaDB's JSON columns: longtext with a `json_valid(col)` check constraint. */
async function mariadbJsonColumns(session: MysqlSession, database: string, name: string): Promise<Set<string>> {
  if (!session.flavor.mariadb) return new Set();
  const rows = await session.query<{ clause: string }>(
    `SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = ? AND ${sameName('TABLE_NAME')}`,
    [database, name],
  );
  const columns = rows.map((r) => /^json_valid\(`((?:[^`]|``)+)`\)$/.exec(r.clause)?.[1]?.replaceAll('``', '`'));
  return new Set(columns.filter((c) => c !== undefined));
}

interface IndexRow {
  name: string;
  nonUnique: string | number;
  column: string | null;
  type: string;
}

/** The primary key and the other indexes, columns in order. Functional indexes are left out. */
async function readIndexes(
  session: MysqlSession,
  database: string,
  name: string,
): Promise<{ primaryKey: string[]; indexes: IndexDescription[] }> {
  const rows = await session.query<IndexRow>(
    `SELECT INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS \`column\`, INDEX_TYPE AS type
       FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND ${sameName('TABLE_NAME')}
      ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [database, name],
  );
  const byName = new Map<string, IndexRow[]>();
  for (const row of rows) byName.set(row.name, [...(byName.get(row.name) ?? []), row]);
  let primaryKey: string[] = [];
  const indexes: IndexDescription[] = [];
  for (const [indexName, parts] of byName) {
    // An expression part (MySQL 8) has no column: the index cannot be rebuilt from names.
    if (parts.some((p) => p.column === null)) continue;
    const columns = parts.map((p) => p.column!);
    if (indexName === 'PRIMARY') {
      primaryKey = columns;
      continue;
    }
    const spatial = parts[0]!.type.toUpperCase() === 'SPATIAL';
    indexes.push({
      name: indexName,
      columns,
      unique: Number(parts[0]!.nonUnique) === 0,
      method: spatial ? 'gist' : 'btree',
    });
  }
  return { primaryKey, indexes };
}

/** The full description, without the raw geometry table (the connector applies that). */
export async function describeMysqlTable(
  session: MysqlSession,
  database: string,
  name: string,
): Promise<TableDescription> {
  const { kind, table, columns } = await readMysqlColumns(session, database, name);
  const srids = await declaredSrids(session, database, name);
  const jsonColumns = await mariadbJsonColumns(session, database, name);
  const { primaryKey, indexes } = await readIndexes(session, database, name);
  const described: ColumnDescription[] = columns.map((c) => {
    const type: MysqlColumnType = {
      dataType: c.dataType,
      columnType: c.columnType,
      charLength: toNumber(c.charLength),
      precision: toNumber(c.precision),
      scale: toNumber(c.scale),
      datetimePrecision: toNumber(c.datetimePrecision),
      srid: srids.get(c.name),
      json: jsonColumns.has(c.name),
    };
    const pgType = pgTypeOf(type);
    const defaultValue = portableDefault(
      { columnDefault: c.columnDefault, extra: c.extra, mariadb: session.flavor.mariadb },
      pgType,
    );
    return {
      name: c.name,
      pgType,
      nullable: c.nullable === 'YES',
      ...(defaultValue !== undefined && { default: defaultValue }),
      ...(c.comment && { comment: c.comment }),
    };
  });
  // Views say 'VIEW' in their comment; that is not the user's.
  const comment = kind === 'table' && table.comment ? table.comment : undefined;
  const estimatedRows = kind === 'table' && table.estimatedRows !== null ? Number(table.estimatedRows) : undefined;
  return {
    name,
    kind,
    columns: described,
    primaryKey,
    indexes,
    ...(comment && { comment }),
    ...(estimatedRows !== undefined && { estimatedRows }),
  };
}
