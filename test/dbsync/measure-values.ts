/**
 * Helpers of the §6.39 value-precision tests (geometry.integration.test.ts): per-database output
 * settings, and the stored values of `field.measure` read in one fixed text form.
 */
import assert from 'node:assert/strict';

import pg from 'pg';

import type { SyncCluster } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';

/**
 * Sets per-database defaults (what a DBA or a device's postgresql.conf does), then ends every
 * session of the three databases so the connectors and pools reconnect with them.
 */
export async function setDatabaseDefaults(
  cluster: SyncCluster,
  settings: [SyncNodeDatabase, Record<string, string>][],
): Promise<void> {
  const nodes = [cluster.central, ...cluster.clones];
  for (const [node, values] of settings) {
    for (const [name, value] of Object.entries(values)) {
      const [alter] = await node.query<{ sql: string }>(
        `SELECT format('ALTER DATABASE %I SET %I = %L', $1::text, $2::text, $3::text) AS sql`,
        [node.name, name, value],
      );
      await node.query(alter!.sql);
    }
  }
  const admin = new pg.Client({ connectionString: cluster.central.url });
  await admin.connect();
  try {
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY ($1::text[]) AND pid <> pg_backend_pid()',
      [nodes.map((n) => n.name)],
    );
  } finally {
    await admin.end();
  }
  for (const [node, values] of settings) {
    for (const [name, value] of Object.entries(values)) {
      const show = `SELECT current_setting('${name}') AS v`;
      let seen: [string | undefined, string | undefined] = [undefined, undefined];
      for (let attempt = 0; attempt < 20; attempt++) {
        // A pooled session killed above may be handed out once before the pool notices.
        const viaPool = await node.query<{ v: string }>(show).then(
          (r) => r[0]!.v,
          () => undefined,
        );
        const viaConnector = await node.db
          .withSession((s) => s.query<{ v: string }>(show), AbortSignal.timeout(5000))
          .then(
            (r) => r.rows[0]!.v,
            () => undefined,
          );
        seen = [viaPool, viaConnector];
        if (viaPool !== undefined && viaConnector !== undefined) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(seen, [value, value], `${name} on ${node.name}`);
    }
  }
}

export interface Measure {
  label: string;
  [column: string]: string | null;
}

/** The stored values in one fixed text form (UTC, ISO, hex, float bits), independent of settings. */
export async function canonicalMeasures(node: SyncNodeDatabase): Promise<Measure[]> {
  const client = new pg.Client({ connectionString: node.url });
  await client.connect();
  try {
    await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';
      SET extra_float_digits = 3; SET bytea_output = 'hex'`);
    const { rows } = await client.query<Measure>(
      `SELECT label, encode(float8send(f8), 'hex') AS f8, n::text AS n, ts::text AS ts, tstz::text AS tstz, d::text AS d,
              iv::text AS iv, b::text AS b, j::text AS j, tags::text AS tags FROM field.measure ORDER BY label`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

export function differences(what: string, expected: Measure[], actual: Measure[]): string[] {
  const found: string[] = [];
  for (const e of expected) {
    const a = actual.find((r) => r.label === e.label);
    for (const column of Object.keys(e)) {
      if (a?.[column] !== e[column]) {
        found.push(`${what}: ${e.label}.${column} is ${a?.[column]}, expected ${e[column]}`);
      }
    }
  }
  return found;
}

export const MEASURE_COLUMNS = '(label, f8, n, ts, tstz, d, iv, b, j, tags)';

/**
 * For the rows `labels`: data equal everywhere, no conflict recorded, verify agrees. Collected,
 * so a failure names every problem.
 */
export async function roundTripProblems(cluster: SyncCluster, since: number, labels: string[]): Promise<string[]> {
  const nodes = [cluster.central, ...cluster.clones];
  const problems: string[] = [];
  const mine = (rows: Measure[]) => rows.filter((r) => labels.includes(r.label));
  const [central, ...clones] = (await Promise.all(nodes.map(canonicalMeasures))).map(mine);
  for (const label of labels) {
    if (!central!.some((r) => r.label === label)) problems.push(`${label} missing on the central`);
  }
  for (const [i, rows] of clones.entries()) problems.push(...differences(`clone${i} vs central`, central!, rows));
  const uids = await cluster.central.query<{ uid: string; label: string }>(
    'SELECT uid::text, label FROM field.measure WHERE label = ANY ($1::text[])',
    [labels],
  );
  const labelOf = new Map(uids.map((r) => [r.uid, r.label]));
  const conflicts = (await cluster.conflicts()).filter((c) => c.id > since && labelOf.has(c.rowUid));
  for (const c of conflicts) {
    problems.push(
      `conflict ${c.kind} ${c.outcome} on ${labelOf.get(c.rowUid)}.${c.column ?? 'row'}: ${JSON.stringify(c.clone)} / ${JSON.stringify(c.central)}`,
    );
  }
  for (const i of [0, 1]) {
    const diff = (await cluster.verify(i)).tables.find((t) => t.table === 'field.measure')!;
    for (const d of diff.different.filter((x) => labelOf.has(x.uid))) {
      problems.push(`verify(${i}) reports ${labelOf.get(d.uid)} different in ${d.columns.join(', ')}`);
    }
  }
  return problems;
}
