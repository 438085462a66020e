/**
 * MySQL/MariaDB column types and defaults, translated for a PostgreSQL target. The aim is that
 * every value the source can hold fits the target column unchanged, so unsigned integers go one
 * size up, TIME (a duration up to 838 hours) becomes interval, and unknown types become text.
 */

/** A column as information_schema.COLUMNS describes it, plus what other views add. */
export interface MysqlColumnType {
  /** `DATA_TYPE`, e.g. `int`, `varchar`, `point`. */
  dataType: string;
  /** `COLUMN_TYPE`, e.g. `int(10) unsigned`, `tinyint(1)`, `enum('a','b')`. */
  columnType: string;
  charLength?: number | null;
  precision?: number | null;
  scale?: number | null;
  datetimePrecision?: number | null;
  /** Spatial columns: the SRID the column is declared with (0 or undefined: any). */
  srid?: number;
  /** MariaDB stores JSON as longtext with a `json_valid()` check; true when it has one. */
  json?: boolean;
}

const geometryTypes: Readonly<Record<string, string>> = {
  geometry: 'Geometry',
  point: 'Point',
  linestring: 'LineString',
  polygon: 'Polygon',
  multipoint: 'MultiPoint',
  multilinestring: 'MultiLineString',
  multipolygon: 'MultiPolygon',
  geometrycollection: 'GeometryCollection',
  geomcollection: 'GeometryCollection', // MySQL 8's spelling
};

export function isSpatialType(dataType: string): boolean {
  return dataType.toLowerCase() in geometryTypes;
}

/**
 * MySQL's BOOLEAN is `tinyint(1)`, and the display width survives only there (MySQL 8 drops it
 * elsewhere), so it is read as the author's intent: boolean, with MySQL's truth rule (non-zero is
 * true) applied to values. `bit(1)` holds only 0 and 1: boolean as well.
 */
export function isBooleanType(column: Pick<MysqlColumnType, 'dataType' | 'columnType'>): boolean {
  const columnType = column.columnType.toLowerCase().trim();
  return columnType === 'tinyint(1)' || columnType === 'bit(1)';
}

const withPrecision = (name: string, p: number | null | undefined) => (p ? `${name}(${p})` : name);

/** The PostgreSQL type holding every value of the column. */
export function pgTypeOf(column: MysqlColumnType): string {
  const dataType = column.dataType.toLowerCase();
  const unsigned = /\bunsigned\b/i.test(column.columnType);
  if (isBooleanType(column)) return 'boolean';
  if (isSpatialType(dataType)) {
    const type = geometryTypes[dataType]!;
    return column.srid ? `geometry(${type},${column.srid})` : `geometry(${type})`;
  }
  switch (dataType) {
    case 'tinyint':
    case 'year':
      return 'smallint';
    case 'smallint':
      return unsigned ? 'integer' : 'smallint';
    case 'mediumint':
      return 'integer';
    case 'int':
    case 'integer':
      return unsigned ? 'bigint' : 'integer';
    case 'bigint':
      return unsigned ? 'numeric(20,0)' : 'bigint';
    case 'decimal':
    case 'numeric':
      return `numeric(${column.precision ?? 10},${column.scale ?? 0})`;
    case 'float':
      return 'real';
    case 'double':
    case 'double precision':
    case 'real':
      return 'double precision';
    case 'bit':
      return `bit(${column.precision ?? 1})`;
    case 'char':
      return column.charLength ? `char(${column.charLength})` : 'text'; // char(0) exists in MySQL only
    case 'varchar':
      return column.charLength ? `varchar(${column.charLength})` : 'text';
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return column.json ? 'jsonb' : 'text';
    case 'json':
      return 'jsonb';
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return 'bytea';
    case 'date':
      return 'date';
    case 'datetime':
      return withPrecision('timestamp', column.datetimePrecision);
    case 'timestamp':
      // MySQL stores TIMESTAMP in UTC and converts on read: an instant, so with time zone.
      return withPrecision('timestamptz', column.datetimePrecision);
    case 'time':
      return 'interval';
    case 'uuid':
      return 'uuid';
    case 'inet4':
    case 'inet6':
      return 'inet';
    default:
      // enum, set, and anything newer: their text form is what the user sees in MySQL.
      return 'text';
  }
}

const numericPgTypes = /^(smallint|integer|bigint|numeric\b|real|double precision)/;
const numberLiteral = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const currentTimestamp = /^(current_timestamp|now|localtimestamp|localtime)(\(\d?\))?$/i;

/** `'text'` for PostgreSQL, as an E'' literal when backslashes make the plain form ambiguous. */
export function pgStringLiteral(value: string): string {
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

const mysqlEscapes: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', Z: '\x1a', 0: '\0' };

/** The value of a MySQL string literal's inside (`it''s \\ x` → `it's \ x`). */
function unescapeMysqlString(inside: string): string {
  return inside.replace(/''|\\(.)/gs, (match, escaped: string | undefined) =>
    escaped === undefined ? "'" : (mysqlEscapes[escaped] ?? escaped),
  );
}

/** A literal value as the default of a column of `pgType`, or undefined when it does not carry over. */
function literalDefault(value: string, pgType: string): string | undefined {
  if (value.includes('\0')) return undefined; // PostgreSQL text cannot hold NUL
  if (pgType === 'boolean') return numberLiteral.test(value) ? String(Number(value) !== 0) : undefined;
  if (numericPgTypes.test(pgType)) return numberLiteral.test(value) ? value : undefined;
  if (/^(date|timestamp)/.test(pgType) && /^0000-|-00\b/.test(value)) return undefined; // zero dates
  if (/^(bytea|bit|geometry)/.test(pgType)) return undefined;
  return pgStringLiteral(value);
}

export interface MysqlDefault {
  /** `COLUMN_DEFAULT` as the server reports it. */
  columnDefault: string | null;
  /** `EXTRA` (MySQL 8 marks expression defaults `DEFAULT_GENERATED`). */
  extra: string;
  /** MariaDB reports defaults as SQL (`'text'`, `NULL`, `current_timestamp()`); MySQL as raw values. */
  mariadb: boolean;
}

/**
 * The default as a PostgreSQL expression, when it is a portable constant: a number, a string,
 * or the current time (`now()`). Other expressions (`uuid()`, `(1 + 2)`) are left out: they are
 * MySQL's to evaluate, and the copied rows already carry their values.
 */
export function portableDefault(source: MysqlDefault, pgType: string): string | undefined {
  const { columnDefault, extra, mariadb } = source;
  if (columnDefault === null) return undefined;
  if (currentTimestamp.test(columnDefault)) return /^timestamp/.test(pgType) ? 'now()' : undefined;
  if (!mariadb) return /DEFAULT_GENERATED/i.test(extra) ? undefined : literalDefault(columnDefault, pgType);
  if (columnDefault === 'NULL') return undefined;
  const quoted = /^'(.*)'$/s.exec(columnDefault);
  if (quoted) return literalDefault(unescapeMysqlString(quoted[1]!), pgType);
  return numberLiteral.test(columnDefault) ? literalDefault(columnDefault, pgType) : undefined;
}
