import type { Readable, Writable } from 'node:stream';

import { z } from 'zod';

import { UserError } from '../errors/errors.ts';
import type { Connector } from './connector.ts';
import type { EmbeddedTableSource, PostgisSource } from './publisher.ts';

/**
 * The database capabilities. Every database connector (PostGIS, the embedded store, MySQL/MariaDB,
 * GeoPackage) is a `DatabaseSource`: it lists and describes its tables and streams their rows.
 * PostgreSQL ones are also a `PostgresDatabase`: a target for CopyTable and views. Tasks depend
 * on these interfaces, never on a concrete connector.
 */

/** How a raw geometry column is encoded in a source without geometry types (the guide's WKT/WKB/WKB_HEX). */
export const rawGeometryEncodings = ['WKT', 'WKB', 'WKB_HEX'] as const;
export type RawGeometryEncoding = (typeof rawGeometryEncodings)[number];

/**
 * The Task Manager's "raw geometry table": a table in the source database listing the columns
 * that hold geometries as text or bytes, with their type and SRID; CopyTable turns them into
 * PostGIS geometries. Shared by every database connector's settings.
 */
export const rawGeometryTableSchema = z
  .strictObject({
    table: z.string().min(1).max(128).describe('Name of the metadata table (may be schema-qualified).'),
    tableColumn: z.string().min(1).max(63).default('table_name').describe('Its column naming the table.'),
    geometryColumn: z.string().min(1).max(63).default('column_name').describe('Its column naming the raw column.'),
    typeColumn: z.string().min(1).max(63).default('geometry_type').describe('Its column with the geometry type.'),
    sridColumn: z.string().min(1).max(63).default('srid').describe('Its column with the SRID.'),
    encoding: z.enum(rawGeometryEncodings).describe('How the raw columns are encoded: WKT, WKB or WKB_HEX.'),
  })
  .describe('Translate raw geometry columns listed in this metadata table into PostGIS geometries on copy.');
export type RawGeometryTable = z.infer<typeof rawGeometryTableSchema>;

export interface ColumnDescription {
  name: string;
  /** The PostgreSQL type to create it with on a PostGIS target: `integer`, `varchar(50)`, `geometry(Point,4326)`. */
  pgType: string;
  nullable: boolean;
  /**
   * A default expression valid on a PostgreSQL target. Left out when it would not make sense
   * there (a sequence of the source database, a MySQL-only function).
   */
  default?: string;
  comment?: string;
  /** Set when the raw geometry table lists this column: values are converted on copy. */
  rawGeometry?: { encoding: RawGeometryEncoding; type: string; srid: number };
}

export interface IndexDescription {
  name: string;
  columns: string[];
  unique: boolean;
  /** Access method on PostgreSQL (`btree`, `gist`...); sources without one say `btree`. */
  method: string;
  /** PostgreSQL sources only: `pg_get_indexdef`, to recreate expression or partial indexes faithfully. */
  definition?: string;
}

export interface TableDescription {
  /** The name as the user wrote it (resolved: `schema.table` or `table`). */
  name: string;
  kind: 'table' | 'view';
  columns: ColumnDescription[];
  /** Empty when the source has none (views): the copy adds `generated_id`. */
  primaryKey: string[];
  indexes: IndexDescription[];
  comment?: string;
  /** The planner's estimate, for progress; undefined when unknown. */
  estimatedRows?: number;
}

/**
 * A geometry read from a non-PostgreSQL source, as ISO/OGC WKB plus its SRID, so the copy can
 * write it as EWKB whatever the source's own format (MySQL's internal, GeoPackage's header).
 */
export class GeometryValue {
  constructor(
    readonly wkb: Buffer,
    readonly srid: number,
  ) {}
}

/** A row value from a source: what COPY's text format can encode. */
export type SourceValue = string | number | bigint | boolean | Date | Buffer | GeometryValue | null;

export interface DatabaseSource {
  readonly dialect: 'postgresql' | 'mysql' | 'sqlite';
  /** Tables and views a user may pick, as they are written in a task (`table` or `schema.table`), sorted. */
  listTables(signal: AbortSignal): Promise<string[]>;
  /** Missing: UserError `table_not_found` (use `tableNotFound`). */
  describeTable(name: string, signal: AbortSignal): Promise<TableDescription>;
  /**
   * Streams the rows of a table or view, values in `columns` order. Geometries come as
   * GeometryValue, raw geometry columns as the source stores them (the copy converts them).
   * Stops promptly when `signal` aborts.
   */
  readRows(name: string, columns: readonly string[], signal: AbortSignal): AsyncIterable<SourceValue[]>;
}

/** One connection of a PostgreSQL database, held for a transaction. */
export interface PgSession {
  query<R = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number }>;
  /** `COPY ... TO STDOUT`: undefined where the driver cannot stream COPY (the embedded PGlite store). */
  copyOut?(sql: string): Readable;
  /** `COPY ... FROM STDIN`: the stream's 'finish' means the server accepted every row. */
  copyIn?(sql: string): Writable;
}

export interface PostgresDatabase extends DatabaseSource {
  readonly dialect: 'postgresql';
  /** The schema unqualified names live in (the connection's `schema` setting). */
  readonly schema: string;
  /**
   * Runs `fn` on one connection; aborting `signal` cancels the running statement (or, where it
   * cannot be cancelled, stops waiting). The connection goes back to the pool afterwards.
   */
  withSession<T>(fn: (session: PgSession) => Promise<T>, signal: AbortSignal): Promise<T>;
  /**
   * Names a task must neither create, replace nor read: geosync's own tables where the database
   * is geosync's store (the built-in `local`). Undefined: nothing is reserved.
   */
  isReserved?(name: { schema: string; name: string }): boolean;
  /**
   * How map server `mapServer` (a connection name) reaches `table` of this database: host, port,
   * database and credentials for a PostGIS database (with the connection's per-map-server
   * override, where that server sees the database under another name); geosync's own store
   * answers `embedded`, which only the built-in publisher serves. Holds the password: never
   * store it in the ledger or a message.
   */
  layerSource(table: { schema: string; table: string }, mapServer: string): PostgisSource | EmbeddedTableSource;
  /**
   * How a libpq tool (pg_dump) reaches this database. Holds the password: hand it over in the
   * tool's environment (PGPASSWORD), never on a command line, in a log or a message. Absent
   * where there is no server to reach (the embedded store).
   */
  libpqParams?(): LibpqParams;
}

/** libpq's connection settings (`sslMode` as libpq's `sslmode`, `sslRootCert` as PEM text). */
export interface LibpqParams {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslMode?: string;
  sslRootCert?: string;
}

export function isDatabaseSource(connector: Connector): connector is Connector & DatabaseSource {
  const c = connector as Partial<DatabaseSource>;
  return typeof c.describeTable === 'function' && typeof c.readRows === 'function';
}

export function isPostgresDatabase(connector: Connector): connector is Connector & PostgresDatabase {
  return isDatabaseSource(connector) && isPostgresSource(connector);
}

/** A source that is also a PostgreSQL database (its rows can leave by COPY). */
export function isPostgresSource(source: DatabaseSource): source is PostgresDatabase {
  return source.dialect === 'postgresql' && typeof (source as Partial<PostgresDatabase>).withSession === 'function';
}

/** The one error every database raises for a missing table or view. */
export function tableNotFound(name: string): UserError {
  return new UserError('table_not_found', `Table or view '${name}' does not exist`, {
    status: 404,
    details: [{ field: 'table', message: 'does not exist' }],
  });
}

/** Marks the columns a raw geometry table lists (rows already read from it by the connector). */
export function applyRawGeometry(
  description: TableDescription,
  encoding: RawGeometryEncoding,
  rows: ReadonlyArray<{ column: string; type: string; srid: number }>,
): TableDescription {
  const byColumn = new Map(rows.map((r) => [r.column.toLowerCase(), r]));
  return {
    ...description,
    columns: description.columns.map((column) => {
      const raw = byColumn.get(column.name.toLowerCase());
      if (!raw) return column;
      const type = raw.type.toUpperCase() === 'GEOMETRY' ? 'Geometry' : raw.type;
      return {
        ...column,
        pgType: `geometry(${type},${raw.srid})`,
        rawGeometry: { encoding, type: raw.type, srid: raw.srid },
      };
    }),
  };
}
