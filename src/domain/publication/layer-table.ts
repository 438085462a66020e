import { type Kysely, type RawBuilder, sql } from 'kysely';

import { OperationalError } from '../../errors/errors.ts';
import { quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';
import type { Database } from '../../store/database.types.ts';

/** What serving a layer needs to know of its table, read from the catalog at each request. */
export interface LayerTable {
  /** `"schema"."table"`. */
  from: string;
  /** The first geometry column, quoted, and its name. */
  geometry: string;
  geometryName: string;
  /** The column's SRID; 0 (unknown) is read as WGS 84. */
  srid: number;
  /** The single-column primary key (the feature id), quoted, with its SQL type; none for views. */
  id?: { column: string; type: string };
}

interface ColumnRow {
  name: string;
  type: string;
  sql_type: string;
  srid: number | null;
  pk: boolean;
}

export async function describeLayerTable(db: Kysely<Database>, schema: string, table: string): Promise<LayerTable> {
  const { rows } = await sql<ColumnRow>`
    SELECT a.attname AS name, t.typname AS type, format_type(a.atttypid, a.atttypmod) AS sql_type,
      CASE WHEN t.typname = 'geometry' AND a.atttypmod >= 0 THEN postgis_typmod_srid(a.atttypmod) END AS srid,
      EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1
              AND i.indkey[0] = a.attnum) AS pk
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    WHERE n.nspname = ${schema} AND c.relname = ${table} AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
    ORDER BY a.attnum`.execute(db);
  const geometry = rows.find((r) => r.type === 'geometry');
  if (!geometry) {
    throw new OperationalError(
      'layer_table_missing',
      `The table '${schema}.${table}' of this layer no longer exists or has no geometry column`,
    );
  }
  const from = quoteQualified({ schema, name: table });
  let srid = Number(geometry.srid ?? 0);
  if (srid === 0) {
    // An unconstrained column: its rows say which SRID they use.
    const probe = await sql<{ srid: number }>`SELECT ST_SRID(${sql.raw(quoteIdent(geometry.name))}) AS srid
      FROM ${sql.raw(from)} WHERE ${sql.raw(quoteIdent(geometry.name))} IS NOT NULL LIMIT 1`.execute(db);
    srid = Number(probe.rows[0]?.srid ?? 0);
  }
  const pk = rows.find((r) => r.pk);
  return {
    from,
    geometry: quoteIdent(geometry.name),
    geometryName: geometry.name,
    srid,
    ...(pk && { id: { column: quoteIdent(pk.name), type: pk.sql_type } }),
  };
}

const int = (n: number) => sql.raw(String(Math.trunc(n)));

/** The layer's geometry (of row alias `t`) in another SRID. */
export function geometryIn(table: LayerTable, target: number): RawBuilder<unknown> {
  const column = sql.raw(`t.${table.geometry}`);
  if (table.srid === target) return column;
  if (table.srid === 0) {
    return target === 4326
      ? sql`ST_SetSRID(${column}, 4326)`
      : sql`ST_Transform(ST_SetSRID(${column}, 4326), ${int(target)})`;
  }
  return sql`ST_Transform(${column}, ${int(target)})`;
}

/** A geometry in SRID `from`, brought to the layer's SRID (for comparing with its column). */
export function toLayerSrid(table: LayerTable, geometry: RawBuilder<unknown>, from: number): RawBuilder<unknown> {
  if (table.srid === from) return geometry;
  if (table.srid === 0) {
    return from === 4326 ? sql`ST_SetSRID(${geometry}, 0)` : sql`ST_SetSRID(ST_Transform(${geometry}, 4326), 0)`;
  }
  return sql`ST_Transform(${geometry}, ${int(table.srid)})`;
}
