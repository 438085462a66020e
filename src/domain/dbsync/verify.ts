import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { requireNode } from './structures.ts';

export interface TableDifference {
  table: string;
  centralRows: number;
  cloneRows: number;
  /** On the central, not on the clone. */
  missingOnClone: string[];
  /** On the clone, not on the central. */
  extraOnClone: string[];
  different: { uid: string; columns: string[] }[];
  /** More differences than listed. */
  truncated: boolean;
}

export interface VerifyReport {
  equal: boolean;
  tables: TableDifference[];
}

const LIST_LIMIT = 100;

interface SyncedTableRow {
  id: number;
  schema_name: string;
  table_name: string;
}

/** `md5` per row of its shipped values (jsonb: canonical key order), keyed by uid. */
const rowHashSql = (where: string) =>
  `SELECT x.uid::text AS uid, md5(geosync_dbsync_v.v::text) AS h
     FROM %TABLE% x, LATERAL (SELECT %VALUES% AS v) geosync_dbsync_v ${where}`;

async function tableQuery(s: PgSession, t: SyncedTableRow, where: string): Promise<string> {
  const { rows } = await s.query<{ v: string; q: string }>(
    `SELECT geosync_dbsync.values_expr(st, 'x') AS v, format('%I.%I', st.schema_name, st.table_name) AS q
       FROM geosync_dbsync.synced_table st WHERE id = $1`,
    [t.id],
  );
  return rowHashSql(where).replace('%TABLE%', rows[0]!.q).replace('%VALUES%', rows[0]!.v);
}

/** 256 buckets by the uid's first two hex digits: only differing buckets are compared row by row. */
async function buckets(s: PgSession, t: SyncedTableRow): Promise<Map<string, { n: number; h: string }>> {
  const inner = await tableQuery(s, t, '');
  const { rows } = await s.query<{ b: string; n: number; h: string }>(
    `SELECT left(uid, 2) AS b, count(*)::int AS n, md5(string_agg(uid || h, ',' ORDER BY uid)) AS h FROM (${inner}) r GROUP BY 1`,
  );
  return new Map(rows.map((r) => [r.b, { n: r.n, h: r.h }]));
}

async function rowsOf(s: PgSession, t: SyncedTableRow, bucketIds: string[]): Promise<Map<string, string>> {
  const inner = await tableQuery(s, t, 'WHERE left(x.uid::text, 2) = ANY ($1::text[])');
  const { rows } = await s.query<{ uid: string; h: string }>(inner, [bucketIds]);
  return new Map(rows.map((r) => [r.uid, r.h]));
}

async function valuesOf(s: PgSession, t: SyncedTableRow, uid: string): Promise<Record<string, unknown>> {
  const { rows } = await s.query<{ v: Record<string, unknown> }>(
    (await tableQuery(s, t, 'WHERE x.uid = $1')).replace(
      'md5(geosync_dbsync_v.v::text) AS h',
      'geosync_dbsync_v.v AS v',
    ),
    [uid],
  );
  return rows[0]?.v ?? {};
}

/**
 * Compares every synced table of a central and a clone by row hashes of the shipped columns:
 * which uids are missing, extra or different (and in which columns).
 */
export async function verifyClone(
  central: PostgresDatabase,
  clone: PostgresDatabase,
  signal: AbortSignal,
): Promise<VerifyReport> {
  return central.withSession(
    (cs) =>
      clone.withSession(async (ks) => {
        await requireNode(cs, 'central', 'central');
        await requireNode(ks, 'clone', 'clone');
        // One snapshot per side, values formatted alike whatever each database's settings.
        for (const s of [cs, ks]) {
          await s.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          await s.query(
            `SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres';
             SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'`,
          );
        }
        try {
          return await compareTables(cs, ks, signal);
        } finally {
          await Promise.all([cs.query('COMMIT'), ks.query('COMMIT')]);
        }
      }, signal),
    signal,
  );
}

async function compareTables(cs: PgSession, ks: PgSession, signal: AbortSignal): Promise<VerifyReport> {
  const { rows: tables } = await cs.query<SyncedTableRow>(
    'SELECT id, schema_name, table_name FROM geosync_dbsync.synced_table ORDER BY id',
  );
  const report: VerifyReport = { equal: true, tables: [] };
  for (const t of tables) {
    signal.throwIfAborted();
    const [cb, kb] = [await buckets(cs, t), await buckets(ks, t)];
    const count = (m: Map<string, { n: number }>) => [...m.values()].reduce((a, b) => a + b.n, 0);
    const differing = [...new Set([...cb.keys(), ...kb.keys()])].filter((b) => cb.get(b)?.h !== kb.get(b)?.h);
    const diff: TableDifference = {
      table: `${t.schema_name}.${t.table_name}`,
      centralRows: count(cb),
      cloneRows: count(kb),
      missingOnClone: [],
      extraOnClone: [],
      different: [],
      truncated: false,
    };
    if (differing.length > 0) {
      const [cr, kr] = [await rowsOf(cs, t, differing), await rowsOf(ks, t, differing)];
      for (const [uid, h] of cr) {
        if (!kr.has(uid)) diff.missingOnClone.push(uid);
        else if (kr.get(uid) !== h) {
          if (diff.different.length >= LIST_LIMIT) {
            diff.truncated = true;
            continue;
          }
          const [a, b] = [await valuesOf(cs, t, uid), await valuesOf(ks, t, uid)];
          const columns = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
            (c) => JSON.stringify(a[c]) !== JSON.stringify(b[c]),
          );
          diff.different.push({ uid, columns: columns.sort() });
        }
      }
      for (const uid of kr.keys()) if (!cr.has(uid)) diff.extraOnClone.push(uid);
      diff.truncated ||= diff.missingOnClone.length > LIST_LIMIT || diff.extraOnClone.length > LIST_LIMIT;
      diff.missingOnClone = diff.missingOnClone.sort().slice(0, LIST_LIMIT);
      diff.extraOnClone = diff.extraOnClone.sort().slice(0, LIST_LIMIT);
      report.equal = false;
    }
    report.tables.push(diff);
  }
  return report;
}
