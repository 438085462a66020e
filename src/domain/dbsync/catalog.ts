import type { PgSession } from '../../connectors/database.ts';

/** Schemas the sync never processes, whatever the user lists. */
export const NEVER_SYNCED_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', 'geosync_dbsync', 'topology'];

export interface CatalogTable {
  schema: string;
  name: string;
  primaryKey: string[];
  estimatedRows: number;
  /** Serial, identity and generated columns: each node computes its own. */
  localColumns: string[];
  /** Columns whose type has a json cast (geometry, geography): shipped as their text form. */
  textColumns: string[];
  uid: 'absent' | 'valid' | 'invalid';
  fingerprint: string;
}

/** Ordinary tables of the schemas, without extension-owned ones (spatial_ref_sys). */
export async function listCatalogTables(session: PgSession, schemas: readonly string[]): Promise<CatalogTable[]> {
  const { rows } = await session.query<{
    schema: string;
    name: string;
    primary_key: string[] | null;
    estimated_rows: string;
    local_columns: string[];
    text_columns: string[];
    uid: CatalogTable['uid'];
    fingerprint: string;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_constraint p, unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
              WHERE p.conrelid = c.oid AND p.contype = 'p') AS primary_key,
            greatest(c.reltuples, 0)::bigint::text AS estimated_rows,
            coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                        AND (a.attidentity <> '' OR a.attgenerated <> ''
                             OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')), '{}') AS local_columns,
            coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                        AND a.atttypid NOT IN ('json'::regtype, 'jsonb'::regtype)
                        AND EXISTS (SELECT 1 FROM pg_cast pc WHERE pc.castsource = a.atttypid
                                     AND pc.casttarget IN ('json'::regtype, 'jsonb'::regtype))), '{}') AS text_columns,
            CASE WHEN NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'uid' AND NOT a.attisdropped)
                   THEN 'absent'
                 WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'uid'
                                AND a.atttypid = 'uuid'::regtype AND a.attnotnull)
                  AND EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'uid'
                               WHERE i.indrelid = c.oid AND i.indisunique AND i.indnkeyatts = 1
                                 AND i.indkey[0] = a.attnum AND i.indpred IS NULL)
                   THEN 'valid' ELSE 'invalid' END AS uid,
            md5(coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum)
                   FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')) AS fingerprint
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY ($1::text[])
        AND NOT (n.nspname = ANY ($2::text[]))
        AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = 'pg_class'::regclass
                         AND dep.objid = c.oid AND dep.deptype = 'e')
      ORDER BY n.nspname, c.relname`,
    [schemas, NEVER_SYNCED_SCHEMAS],
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    primaryKey: r.primary_key ?? [],
    estimatedRows: Number(r.estimated_rows),
    localColumns: r.local_columns.filter((c) => c !== 'uid'),
    textColumns: r.text_columns,
    uid: r.uid,
    fingerprint: r.fingerprint,
  }));
}

export interface ForeignKey {
  name: string;
  child: string;
  parent: string;
  childColumns: string[];
  parentColumns: string[];
}

/** Foreign keys between the given tables (`schema.name` keys). */
export async function listForeignKeys(session: PgSession, schemas: readonly string[]): Promise<ForeignKey[]> {
  const { rows } = await session.query<ForeignKey>(
    `SELECT p.conname AS name,
            cn.nspname || '.' || cc.relname AS child, pn.nspname || '.' || pc.relname AS parent,
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(p.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum) AS "childColumns",
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(p.confkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = p.confrelid AND a.attnum = k.attnum) AS "parentColumns"
       FROM pg_constraint p
       JOIN pg_class cc ON cc.oid = p.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_class pc ON pc.oid = p.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace
      WHERE p.contype = 'f' AND cn.nspname = ANY ($1::text[])`,
    [schemas],
  );
  return rows;
}

/** Parents before children; tables in a cycle keep their relative order after the rest. */
export function applyOrder(tables: readonly string[], fks: readonly ForeignKey[]): Map<string, number> {
  const order = new Map<string, number>();
  const remaining = new Set(tables);
  let level = 0;
  while (remaining.size > 0) {
    const ready = [...remaining].filter((t) =>
      fks.every((fk) => fk.child !== t || fk.parent === t || !remaining.has(fk.parent)),
    );
    const batch = ready.length > 0 ? ready : [...remaining];
    for (const t of batch) {
      order.set(t, level);
      remaining.delete(t);
    }
    level++;
  }
  return order;
}
