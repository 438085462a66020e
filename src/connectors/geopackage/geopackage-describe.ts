import type { Database } from 'sql.js';

import type { ColumnDescription, IndexDescription, TableDescription } from '../database.ts';
import { tableNotFound } from '../database.ts';
import { queryAll, quoteSqliteIdent, tableExists } from './geopackage-file.ts';
import {
  type GpkgGeometryColumn,
  pgGeometryType,
  pgTypeOfDeclared,
  portableSqliteDefault,
} from './geopackage-types.ts';

/**
 * Table metadata of a GeoPackage. Its layers are the `features` and `attributes` tables of
 * gpkg_contents; tables and views it does not register are listed too (many tools add some),
 * except the GeoPackage's own (`gpkg_*`, `rtree_*`, `sqlite_*`) and tile tables.
 */
export interface GpkgTable {
  /** The name as stored (SQLite matches names without regard to ASCII case). */
  name: string;
  kind: 'table' | 'view';
  description?: string;
}

interface RawTable {
  name: string;
  type: 'table' | 'view';
  dataType: string | null;
  description: string | null;
}

function allTables(db: Database): RawTable[] {
  return queryAll<RawTable>(
    db,
    `SELECT m.name AS name, m.type AS type, c.data_type AS dataType, c.description AS description
       FROM sqlite_master m LEFT JOIN gpkg_contents c ON c.table_name = m.name
      WHERE m.type IN ('table', 'view')
        AND (c.data_type IN ('features', 'attributes')
             OR (c.table_name IS NULL AND m.name NOT LIKE 'gpkg\\_%' ESCAPE '\\'
                 AND m.name NOT LIKE 'rtree\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'))`,
  );
}

export function listGeopackageTables(db: Database): string[] {
  return allTables(db)
    .map((t) => t.name)
    .sort();
}

/** The listed table `name` means (any ASCII case), or `table_not_found`. */
export function findGeopackageTable(db: Database, name: string): GpkgTable {
  const table = allTables(db).find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (!table) throw tableNotFound(name);
  return { name: table.name, kind: table.type, ...(table.description && { description: table.description }) };
}

/** srs_id → the SRID a PostGIS target knows: the EPSG code when the GeoPackage says it is one. */
export function srsMapping(db: Database): Map<number, number> {
  const rows = queryAll<{ srsId: number; organization: string; code: number }>(
    db,
    'SELECT srs_id AS srsId, organization, organization_coordsys_id AS code FROM gpkg_spatial_ref_sys',
  );
  return new Map(rows.map((r) => [r.srsId, r.organization.toUpperCase() === 'EPSG' ? r.code : r.srsId]));
}

export function geometryColumnOf(
  db: Database,
  table: string,
  srids: Map<number, number>,
): (GpkgGeometryColumn & { column: string }) | undefined {
  const [row] = queryAll<{ column: string; type: string; srsId: number; z: number; m: number }>(
    db,
    `SELECT column_name AS "column", geometry_type_name AS type, srs_id AS srsId, z, m
       FROM gpkg_geometry_columns WHERE table_name = ? COLLATE NOCASE`,
    [table],
  );
  return row && { column: row.column, type: row.type, srid: srids.get(row.srsId) ?? row.srsId, z: row.z, m: row.m };
}

export interface SqliteColumn {
  name: string;
  type: string;
  notNull: number;
  defaultSql: string | null;
  pk: number;
}

export function columnsOf(db: Database, table: string): SqliteColumn[] {
  return queryAll<SqliteColumn>(
    db,
    'SELECT name, type, "notnull" AS "notNull", dflt_value AS defaultSql, pk FROM pragma_table_info(?) ORDER BY cid',
    [table],
  );
}

/** Plain indexes by column names; partial and expression indexes cannot be rebuilt from names. */
function readIndexes(db: Database, table: string): IndexDescription[] {
  const list = queryAll<{ name: string; unique: number; origin: string; partial: number }>(
    db,
    'SELECT name, "unique", origin, partial FROM pragma_index_list(?)',
    [table],
  );
  const indexes: IndexDescription[] = [];
  for (const index of list.filter((i) => i.origin !== 'pk' && !i.partial)) {
    const parts = queryAll<{ name: string | null }>(db, 'SELECT name FROM pragma_index_info(?) ORDER BY seqno', [
      index.name,
    ]);
    if (parts.some((p) => p.name === null)) continue;
    indexes.push({ name: index.name, columns: parts.map((p) => p.name!), unique: index.unique === 1, method: 'btree' });
  }
  return indexes;
}

/** The GeoPackage R*Tree of a geometry column (extension `gpkg_rtree_index`) is a spatial index. */
function spatialIndex(db: Database, table: string, column: string): IndexDescription | undefined {
  const name = `rtree_${table}_${column}`;
  if (!tableExists(db, 'gpkg_extensions') || !tableExists(db, name)) return undefined;
  const registered = queryAll(
    db,
    `SELECT 1 FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'
        AND table_name = ? COLLATE NOCASE AND column_name = ? COLLATE NOCASE`,
    [table, column],
  );
  return registered.length > 0 ? { name, columns: [column], unique: false, method: 'gist' } : undefined;
}

/** Column descriptions of the schema extension (gpkg_data_columns), when the file has it. */
function columnComments(db: Database, table: string): Map<string, string> {
  if (!tableExists(db, 'gpkg_data_columns')) return new Map();
  const rows = queryAll<{ column: string; text: string | null }>(
    db,
    `SELECT column_name AS "column", coalesce(nullif(description, ''), title) AS text
       FROM gpkg_data_columns WHERE table_name = ? COLLATE NOCASE`,
    [table],
  );
  return new Map(rows.filter((r) => r.text).map((r) => [r.column.toLowerCase(), r.text!]));
}

export function describeGeopackageTable(db: Database, name: string): TableDescription {
  const table = findGeopackageTable(db, name);
  const geometry = geometryColumnOf(db, table.name, srsMapping(db));
  const comments = columnComments(db, table.name);
  const sqliteColumns = columnsOf(db, table.name);
  const columns: ColumnDescription[] = sqliteColumns.map((c) => {
    const isGeometry = geometry?.column.toLowerCase() === c.name.toLowerCase();
    const pgType = isGeometry ? pgGeometryType(geometry) : pgTypeOfDeclared(c.type);
    // An INTEGER PRIMARY KEY is the rowid: never null, whatever it was declared.
    const defaultValue = isGeometry ? undefined : portableSqliteDefault(c.defaultSql, pgType);
    const comment = comments.get(c.name.toLowerCase());
    return {
      name: c.name,
      pgType,
      nullable: c.notNull === 0 && c.pk === 0,
      ...(defaultValue !== undefined && { default: defaultValue }),
      ...(comment && { comment }),
    };
  });
  const primaryKey = sqliteColumns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const indexes = table.kind === 'table' ? readIndexes(db, table.name) : [];
  const rtree = geometry && spatialIndex(db, table.name, geometry.column);
  if (rtree) indexes.push(rtree);
  // The file is in memory: counting is cheap and exact. Views could be costly queries.
  const estimatedRows =
    table.kind === 'table'
      ? queryAll<{ n: number }>(db, `SELECT count(*) AS n FROM ${quoteSqliteIdent(table.name)}`)[0]!.n
      : undefined;
  return {
    name,
    kind: table.kind,
    columns,
    primaryKey,
    indexes,
    ...(table.description && { comment: table.description }),
    ...(estimatedRows !== undefined && { estimatedRows }),
  };
}
