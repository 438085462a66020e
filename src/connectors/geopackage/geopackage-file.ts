import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';

import { UserError } from '../../errors/errors.ts';
import { confinePath } from '../../lib/confine-path.ts';
import { fileNotFound } from '../file-service.ts';
import type { GeopackageConfig } from './geopackage.config.ts';

/**
 * Opening a GeoPackage with sql.js: SQLite compiled to WebAssembly, so it runs on every Node
 * version without a native build. Its price: the whole file is read into memory (there is no
 * file system underneath), hence the size limit of the settings.
 */

let sqlJs: Promise<SqlJsStatic> | undefined;

/** The WebAssembly module is compiled once per process. */
function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs();
  return sqlJs;
}

const MiB = 1024 * 1024;

/**
 * Where the file lives. Only the built-in `local` file service can be read for now: its root is
 * `<dataDir>/files` (connectors/builtin.ts), and a connector cannot open another connection.
 */
export async function resolveGeopackagePath(config: GeopackageConfig, dataDir: string): Promise<string> {
  if (config.fileService !== 'local') {
    throw new UserError(
      'file_service_not_supported',
      `GeoPackages can be read from the 'local' file service only, not from '${config.fileService}' (yet)`,
      { details: [{ field: 'config.fileService', message: "only 'local' is supported" }] },
    );
  }
  const root = path.resolve(dataDir, 'files');
  try {
    return await confinePath(root, config.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw fileNotFound(config.path);
    throw error;
  }
}

const notAGeopackage = (file: string, why: string) =>
  new UserError('not_a_geopackage', `'${file}' is not a GeoPackage: ${why}`, {
    details: [{ field: 'config.path', message: why }],
  });

/** The open database and what test() reports about the file. */
export interface OpenGeopackage {
  db: Database;
  sizeBytes: number;
}

/** Reads and opens the file, refusing what is too big or not a GeoPackage. */
export async function openGeopackage(
  config: GeopackageConfig,
  dataDir: string,
  signal: AbortSignal,
): Promise<OpenGeopackage> {
  const file = await resolveGeopackagePath(config, dataDir);
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' || error.code === 'ENOTDIR' ? fileNotFound(config.path) : error;
  });
  if (!info.isFile()) throw notAGeopackage(config.path, 'it is a folder');
  if (info.size > config.maxSizeMiB * MiB) {
    throw new UserError(
      'geopackage_too_large',
      `'${config.path}' is ${(info.size / MiB).toFixed(0)} MiB; geosync reads a GeoPackage in memory, up to maxSizeMiB (${config.maxSizeMiB} MiB)`,
      { details: [{ field: 'config.maxSizeMiB', message: 'the file is larger' }] },
    );
  }
  const [SQL, data] = await Promise.all([loadSqlJs(), readFile(file, { signal })]);
  if (data.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0') {
    throw notAGeopackage(config.path, 'not an SQLite file');
  }
  const db = new SQL.Database(data);
  if (!tableExists(db, 'gpkg_contents')) {
    db.close();
    throw notAGeopackage(config.path, 'it has no gpkg_contents table');
  }
  return { db, sizeBytes: info.size };
}

/** Every row of a query, as objects; `params` bound, never concatenated. */
export function queryAll<R = Record<string, SqlValue>>(db: Database, sql: string, params: SqlValue[] = []): R[] {
  const statement = db.prepare(sql, params);
  try {
    const rows: R[] = [];
    while (statement.step()) rows.push(statement.getAsObject() as R);
    return rows;
  } finally {
    statement.free();
  }
}

export function tableExists(db: Database, name: string): boolean {
  return queryAll(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).length > 0;
}

/** `"name"` with embedded quotes doubled: SQLite names are quoted like PostgreSQL's. */
export function quoteSqliteIdent(name: string): string {
  if (name.includes('\0')) throw new Error('An SQLite identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}
