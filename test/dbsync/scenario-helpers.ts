/**
 * Shared setup and assertions for the study §6 sync scenario tests (merge, delete-update, keys).
 * Every scenario runs on its own cluster: the central + 2 deployed clones, schema `field`.
 */
import assert from 'node:assert/strict';

import { type ConflictRecord, resolveConflict } from '../../src/domain/dbsync/conflicts.ts';
import { createSyncCluster, type SyncCluster, type SyncClusterOptions } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';

/** One table per conflict rule, as the rule-comparing scenarios create them. */
export const RULE_TABLES = {
  lww: 'field.site_lww',
  central_wins: 'field.site_cw',
  manual: 'field.site_manual',
} as const;

/** The engine rule map for RULE_TABLES (lww is the default and needs no entry). */
export const RULE_TABLE_RULES: NonNullable<SyncClusterOptions['rules']> = {
  [RULE_TABLES.central_wins]: 'central_wins',
  [RULE_TABLES.manual]: 'manual',
};

/** A fixed uuid per test row number, so rows can be named across nodes. */
export const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A generous bound for one resolution call. */
export const signal = () => AbortSignal.timeout(60_000);

/** Creates a cluster syncing schema `field`, runs the scenario, and always closes the cluster. */
export async function withSyncCluster(
  options: Omit<SyncClusterOptions, 'schemas'>,
  run: (cluster: SyncCluster) => Promise<void>,
): Promise<void> {
  const cluster = await createSyncCluster({ ...options, schemas: ['field'] });
  try {
    await run(cluster);
  } finally {
    await cluster.close();
  }
}

/** Every node with the name the assertions use: central, clone0, clone1. */
export function nodesOf(c: SyncCluster): [string, SyncNodeDatabase][] {
  return [['central', c.central], ...c.clones.map((n, i): [string, SyncNodeDatabase] => [`clone${i}`, n])];
}

/** The row (or its absence: undefined) on each named node, or on all three. */
export async function assertRow(
  c: SyncCluster,
  table: string,
  id: string,
  expected: Record<string, unknown> | undefined,
  only?: string[],
): Promise<void> {
  for (const [name, node] of nodesOf(c)) {
    if (only && !only.includes(name)) continue;
    const found = (await c.rows(node, table)).find((r) => r.uid === id);
    assert.deepEqual(found, expected, `${table} ${id} on ${name}`);
  }
}

/** Whether one table of a verify report shows no difference at all. */
export const isEqual = (t: { missingOnClone: unknown[]; extraOnClone: unknown[]; different: unknown[] }) =>
  t.missingOnClone.length + t.extraOnClone.length + t.different.length === 0;

/** Both clones hold exactly the central's data; the message lists the differing tables. */
export async function assertConverged(c: SyncCluster): Promise<void> {
  for (const i of [0, 1]) {
    const report = await c.verify(i);
    assert.equal(report.equal, true, `clone${i}: ${JSON.stringify(report.tables.filter((t) => !isEqual(t)))}`);
  }
}

/** Everyone gets everything: each clone syncs twice, interleaved. */
export async function syncAll(c: SyncCluster): Promise<void> {
  for (const i of [0, 1, 0, 1]) await c.sync(i);
}

/** A conflict as the assertions compare it: which node recorded it, and what it holds. */
export interface SeenConflict {
  node: string;
  kind: string;
  column: string | null;
  base: unknown;
  central: unknown;
  clone: unknown;
  winner: string;
  outcome: string;
}

/** The name (central, cloneN) of a node id. */
export const nodeName = (c: SyncCluster, id: string) =>
  id === c.centralId ? 'central' : `clone${c.cloneIds.indexOf(id)}`;

/** The conflict records of one row, oldest first, as the central lists them. */
export async function conflictRecords(c: SyncCluster, table: string, id: string): Promise<ConflictRecord[]> {
  return (await c.conflicts()).filter((r) => r.table === table && r.rowUid === id).sort((a, b) => a.id - b.id);
}

/** The conflicts of one row (the central's own and those pushed by clones), by node then column. */
export async function conflictsOf(c: SyncCluster, table: string, id: string): Promise<SeenConflict[]> {
  return (await conflictRecords(c, table, id))
    .map((r) => ({
      node: nodeName(c, r.nodeId),
      kind: r.kind,
      column: r.column,
      base: r.base,
      central: r.central,
      clone: r.clone,
      winner: r.winner,
      outcome: r.outcome,
    }))
    .sort((a, b) => a.node.localeCompare(b.node) || String(a.column).localeCompare(String(b.column)));
}

/** The first conflict of one row recorded by the named node; fails when there is none. */
export async function conflictOn(c: SyncCluster, table: string, id: string, node: string): Promise<ConflictRecord> {
  const found = (await conflictRecords(c, table, id)).find((r) => nodeName(c, r.nodeId) === node);
  assert.ok(found, `a conflict of ${id} detected on ${node}`);
  return found;
}

/** Resolves a conflict on the central as user 'tester'. */
export const resolve = (c: SyncCluster, id: number, keep: 'central' | 'clone' | 'value', value?: unknown) =>
  resolveConflict(c.central.db, id, { keep, value, by: 'tester' }, signal());

/** How many conflicts still wait for a person. */
export const pendingCount = async (c: SyncCluster) =>
  (await c.conflicts()).filter((x) => x.outcome === 'pending').length;
