import pg from 'pg';

import { isGeosyncError, OperationalError, UserError } from '../../errors/errors.ts';
import type { PostgisSource } from '../publisher.ts';

/** What MapServer's DATA statement needs to know about a table, read from PostgreSQL. */
export interface PostgisTableInfo {
  geometryColumn: string;
  /** MapServer layer TYPE. */
  layerType: 'POINT' | 'LINE' | 'POLYGON';
  srid: number;
  /** The column for `using unique` (MapServer requires one). */
  uniqueKey: string;
}

const typeOf: Record<string, PostgisTableInfo['layerType']> = {
  POINT: 'POINT',
  MULTIPOINT: 'POINT',
  LINESTRING: 'LINE',
  MULTILINESTRING: 'LINE',
  CIRCULARSTRING: 'LINE',
  COMPOUNDCURVE: 'LINE',
  MULTICURVE: 'LINE',
  POLYGON: 'POLYGON',
  MULTIPOLYGON: 'POLYGON',
  CURVEPOLYGON: 'POLYGON',
  MULTISURFACE: 'POLYGON',
  TRIANGLE: 'POLYGON',
  TIN: 'POLYGON',
  POLYHEDRALSURFACE: 'POLYGON',
};

/** `LINESTRINGZ`, `LineString ZM`... → `LINESTRING`. */
const baseType = (type: string): string => type.toUpperCase().replace(/\s+/g, '').replace(/Z?M?$/, '');

const where = (source: PostgisSource) => `'${source.schema}.${source.table}' on ${source.host}:${source.port}`;

/**
 * Finds the table's first geometry column (in column order), its geometry type and SRID, and its
 * primary key. A column without a declared type or SRID (plain `geometry`) is sampled: its first
 * non-null row decides. Fails with a UserError naming the table when MapServer could not draw it.
 */
export async function describePostgisTable(source: PostgisSource, signal: AbortSignal): Promise<PostgisTableInfo> {
  const client = new pg.Client({
    host: source.host,
    port: source.port,
    database: source.database,
    user: source.user,
    password: source.password,
    connectionTimeoutMillis: 15_000,
    application_name: 'geosync mapserver',
  });
  client.on('error', () => undefined);
  const abort = () => client.connection.stream.destroy();
  signal.addEventListener('abort', abort, { once: true });
  try {
    if (signal.aborted) throw signal.reason;
    await client.connect();
    const columns = await client.query<{ column: string; type: string; srid: number }>(
      `SELECT g.f_geometry_column AS column, g.type, g.srid
         FROM geometry_columns g
         JOIN pg_attribute a
           ON a.attrelid = format('%I.%I', g.f_table_schema, g.f_table_name)::regclass
          AND a.attname = g.f_geometry_column
        WHERE g.f_table_schema = $1 AND g.f_table_name = $2
        ORDER BY a.attnum`,
      [source.schema, source.table],
    );
    const first = columns.rows[0];
    if (!first) {
      const exists = await client.query(
        `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
        [source.schema, source.table],
      );
      throw new UserError(
        'layer_source_invalid',
        exists.rowCount
          ? `Table ${where(source)} has no geometry column: MapServer cannot draw it`
          : `Table ${where(source)} does not exist`,
      );
    }
    let { type, srid } = first;
    if (baseType(type) === 'GEOMETRY' || baseType(type) === 'GEOMETRYCOLLECTION' || !srid) {
      const column = `"${first.column.replaceAll('"', '""')}"`;
      const table = `"${source.schema.replaceAll('"', '""')}"."${source.table.replaceAll('"', '""')}"`;
      const sample = await client.query<{ type: string; srid: number }>(
        `SELECT GeometryType(${column}) AS type, ST_SRID(${column}) AS srid FROM ${table} WHERE ${column} IS NOT NULL LIMIT 1`,
      );
      const row = sample.rows[0];
      if (row) {
        if (typeOf[baseType(type)] === undefined) type = row.type;
        if (!srid) srid = row.srid;
      }
    }
    const layerType = typeOf[baseType(type)];
    if (!layerType) {
      throw new UserError(
        'layer_source_invalid',
        `Column '${first.column}' of ${where(source)} has geometry type ${type}: MapServer needs one of point, line or polygon (declare the column type, or add rows)`,
      );
    }
    if (!srid) {
      throw new UserError(
        'layer_source_invalid',
        `Column '${first.column}' of ${where(source)} has no SRID: declare it (geometry(<type>, <srid>)) so MapServer can place it`,
      );
    }
    // MapServer needs a unique column: the primary key, else a one-column unique index, else (views
    // have neither) a column named like an identifier.
    const key = await client.query<{ column: string }>(
      `SELECT a.attname AS column
         FROM pg_attribute a
         LEFT JOIN pg_index i
           ON i.indrelid = a.attrelid AND i.indkey[0] = a.attnum AND i.indnatts = 1
          AND (i.indisprimary OR (i.indisunique AND a.attnotnull))
        WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND (i.indexrelid IS NOT NULL OR lower(a.attname) = ANY ($3::text[]))
        ORDER BY i.indisprimary IS NOT TRUE, i.indexrelid IS NULL, array_position($3::text[], lower(a.attname)), a.attnum
        LIMIT 1`,
      [source.schema, source.table, ['id', 'gid', 'fid', 'ogc_fid', 'objectid']],
    );
    if (!key.rows[0]) {
      throw new UserError(
        'layer_source_invalid',
        `${where(source)} has no primary key, one-column unique index or id column: MapServer needs one to tell features apart`,
      );
    }
    return { geometryColumn: first.column, layerType, srid, uniqueKey: key.rows[0].column };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (isGeosyncError(error)) throw error;
    const code = (error as { code?: string }).code;
    const why = redacted(error instanceof Error ? error.message : String(error), source.password);
    if (code === '28P01' || code === '28000' || code === '3D000' || code === '42501') {
      throw new UserError('layer_source_invalid', `Cannot read ${where(source)}: ${why}`, { cause: error });
    }
    throw new OperationalError('database_unreachable', `Cannot read ${where(source)}: ${why}`, { cause: error });
  } finally {
    signal.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
}

/** `message` with the password, should it appear, replaced by `***`. */
export function redacted(message: string, password: string | undefined): string {
  return password ? message.replaceAll(password, '***') : message;
}
