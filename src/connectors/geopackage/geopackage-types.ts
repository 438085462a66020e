/**
 * GeoPackage (SQLite) column types and defaults, for a PostgreSQL target. The GeoPackage spec
 * gives its types fixed sizes (INT and INTEGER are 64-bit, FLOAT 32-bit, DATETIME an ISO 8601
 * text in UTC); other declared types follow SQLite's affinity rules.
 */

/** A geometry column as gpkg_geometry_columns declares it. */
export interface GpkgGeometryColumn {
  /** `POINT`, `MULTIPOLYGON`, `GEOMETRY`... */
  type: string;
  /** The EPSG code (or the GeoPackage's srs_id when it is not an EPSG one); <= 0: undefined. */
  srid: number;
  /** 0 prohibited, 1 mandatory, 2 optional. */
  z: number;
  m: number;
}

const geometryNames: Readonly<Record<string, string>> = {
  GEOMETRY: 'Geometry',
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
  GEOMETRYCOLLECTION: 'GeometryCollection',
  CIRCULARSTRING: 'CircularString',
  COMPOUNDCURVE: 'CompoundCurve',
  CURVEPOLYGON: 'CurvePolygon',
  MULTICURVE: 'MultiCurve',
  MULTISURFACE: 'MultiSurface',
  // Abstract in GeoPackage, with no PostGIS type modifier of their own.
  CURVE: 'Geometry',
  SURFACE: 'Geometry',
};

export function pgGeometryType(column: GpkgGeometryColumn): string {
  // "Optional" Z or M has no PostGIS equivalent: an unconstrained column takes both kinds.
  if (column.z === 2 || column.m === 2) return 'geometry';
  const name = `${geometryNames[column.type.toUpperCase()] ?? 'Geometry'}${column.z === 1 ? 'Z' : ''}${column.m === 1 ? 'M' : ''}`;
  return column.srid > 0 ? `geometry(${name},${column.srid})` : `geometry(${name})`;
}

/** The PostgreSQL type of a column declared `declared` (SQLite keeps the text as written). */
export function pgTypeOfDeclared(declared: string): string {
  const text = declared.trim().toUpperCase();
  const parsed = /^([A-Z][A-Z ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(text);
  const [base, size, scale] = parsed ? [parsed[1]!, parsed[2], parsed[3]] : [text, undefined, undefined];
  switch (base) {
    case 'BOOLEAN':
    case 'BOOL':
      return 'boolean';
    case 'TINYINT':
    case 'SMALLINT':
      return 'smallint';
    case 'MEDIUMINT':
      return 'integer';
    case 'INT':
    case 'INTEGER':
    case 'BIGINT':
      return 'bigint';
    case 'FLOAT':
      return 'real';
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'REAL':
      return 'double precision';
    case 'TEXT':
    case 'VARCHAR':
    case 'CHARACTER VARYING':
    case 'NVARCHAR':
    case 'CHAR':
    case 'CHARACTER':
    case 'NCHAR':
      // SQLite pads nothing: CHAR(n) holds what VARCHAR(n) does.
      return size && Number(size) > 0 ? `varchar(${size})` : 'text';
    case 'BLOB':
      return 'bytea';
    case 'DATE':
      return 'date';
    case 'DATETIME':
    case 'TIMESTAMP':
      return 'timestamptz';
    case 'DECIMAL':
    case 'NUMERIC':
      return size ? `numeric(${size},${scale ?? 0})` : 'numeric';
  }
  // SQLite's affinity rules (https://sqlite.org/datatype3.html#determination_of_column_affinity).
  if (text.includes('INT')) return 'bigint';
  if (/CHAR|CLOB|TEXT/.test(text)) return 'text';
  if (/REAL|FLOA|DOUB/.test(text)) return 'double precision';
  if (text.includes('BLOB')) return 'bytea';
  // No declared type, or a name SQLite gives NUMERIC affinity: any value; text holds them all.
  return 'text';
}

/** `'text'` for PostgreSQL, as an E'' literal when backslashes make the plain form ambiguous. */
function pgStringLiteral(value: string): string {
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

const numberLiteral = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const nowExpression =
  /^\(?\s*(current_timestamp|datetime\s*\(\s*'now'\s*\)|strftime\s*\(\s*'[^']*'\s*,\s*'now'\s*\))\s*\)?$/i;
const numericPgTypes = /^(smallint|integer|bigint|numeric|real|double precision)/;

/**
 * The default (`PRAGMA table_info`'s dflt_value, SQL text) as a PostgreSQL expression when it is
 * a portable constant: a number, a string, true/false, or the current time.
 */
export function portableSqliteDefault(sql: string | null, pgType: string): string | undefined {
  if (sql === null) return undefined;
  const text = sql.trim();
  if (nowExpression.test(text)) return pgType.startsWith('timestamp') ? 'now()' : undefined;
  if (/^(true|false)$/i.test(text)) return pgType === 'boolean' ? text.toLowerCase() : undefined;
  if (numberLiteral.test(text)) {
    if (pgType === 'boolean') return String(Number(text) !== 0);
    return numericPgTypes.test(pgType) ? text : undefined;
  }
  const quoted = /^'((?:[^']|'')*)'$/s.exec(text);
  if (!quoted || /^(bytea|boolean|geometry)/.test(pgType)) return undefined;
  const value = quoted[1]!.replaceAll("''", "'");
  if (value.includes('\0')) return undefined;
  if (numericPgTypes.test(pgType)) return numberLiteral.test(value) ? value : undefined;
  return pgStringLiteral(value);
}
