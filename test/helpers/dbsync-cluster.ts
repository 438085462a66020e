/**
 * A ready two-way sync setup for scenario tests: a central with the given schema, installed and
 * prepared, packaged once and deployed to N clones (real PostGIS databases, real connectors).
 *
 *   const cluster = await createSyncCluster({ clones: 2, setupSql: 'CREATE SCHEMA field; ...', schemas: ['field'] });
 *   await cluster.clones[0].query('UPDATE field.site SET ...');
 *   const report = await cluster.sync(0);
 *   assert.deepEqual(await cluster.rows(cluster.central, 'field.site'), await cluster.rows(cluster.clones[0], 'field.site'));
 *   after(() => cluster.close());
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type ConflictRecord, listConflicts } from '../../src/domain/dbsync/conflicts.ts';
import { deployPackage } from '../../src/domain/dbsync/package/deploy.ts';
import { packageCentral } from '../../src/domain/dbsync/package/package.ts';
import { type ConflictRule, prepareCentral } from '../../src/domain/dbsync/prepare.ts';
import { installStructures } from '../../src/domain/dbsync/structures.ts';
import { type SyncOptions, syncClone, type SyncReport } from '../../src/domain/dbsync/sync.ts';
import { verifyClone, type VerifyReport } from '../../src/domain/dbsync/verify.ts';
import { createSyncNodes, type SyncNodeDatabase } from './dbsync-nodes.ts';

export interface SyncCluster {
  central: SyncNodeDatabase;
  clones: SyncNodeDatabase[];
  centralId: string;
  cloneIds: string[];
  /** Syncs clone `i` with the central (options: batch size, faults...). */
  sync(i: number, options?: Partial<SyncOptions>): Promise<SyncReport>;
  verify(i: number): Promise<VerifyReport>;
  /** Every row's shipped values (to_jsonb minus local columns, geometries as text) by uid. */
  rows(node: SyncNodeDatabase, table: string): Promise<Record<string, unknown>[]>;
  conflicts(): Promise<ConflictRecord[]>;
  workDir: string;
  close(): Promise<void>;
}

export interface SyncClusterOptions {
  clones?: number;
  /** Run on the central before install/prepare. */
  setupSql: string;
  schemas: string[];
  rules?: Record<string, ConflictRule>;
  /** Run on the central after prepare, before packaging (rows that every clone starts with). */
  seedSql?: string;
}

const signal = () => AbortSignal.timeout(120_000);

export async function createSyncCluster(options: SyncClusterOptions): Promise<SyncCluster> {
  const nodes = await createSyncNodes({ clones: options.clones ?? 2 });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'geosync-dbsync-'));
  try {
    await nodes.central.query(options.setupSql);
    const installed = await nodes.central.db.withSession((s) => installStructures(s, { role: 'central' }), signal());
    await prepareCentral(nodes.central.db, { schemas: options.schemas, rules: options.rules, signal: signal() });
    if (options.seedSql) await nodes.central.query(options.seedSql);
    const archive = path.join(workDir, 'central.zip');
    await packageCentral(nodes.central.db, { outputPath: archive, signal: signal() });
    const cloneIds: string[] = [];
    for (const [i, clone] of nodes.clones.entries()) {
      const deployed = await deployPackage(clone.db, {
        archivePath: archive,
        workDir,
        cloneName: `clone${i}`,
        signal: signal(),
      });
      cloneIds.push(deployed.nodeId);
    }
    const rows = async (node: SyncNodeDatabase, table: string) => {
      const [schema, name] = table.split('.');
      const found = await node.query<{ v: Record<string, unknown> }>(
        `SELECT geosync_dbsync.values_expr(st, 'x') AS v FROM geosync_dbsync.synced_table st WHERE schema_name = $1 AND table_name = $2`,
        [schema, name],
      );
      if (!found[0]) throw new Error(`${table} is not synced on this node`);
      const values = await node.query<{ v: Record<string, unknown> }>(
        `SELECT ${found[0].v as unknown as string} AS v FROM ${table} x ORDER BY x.uid`,
      );
      return values.map((r) => r.v);
    };
    return {
      central: nodes.central,
      clones: nodes.clones,
      centralId: installed.meta.nodeId,
      cloneIds,
      sync: (i, o = {}) =>
        syncClone(nodes.central.db, nodes.clones[i]!.db, { cloneName: `clone${i}`, signal: signal(), ...o }),
      verify: (i) => verifyClone(nodes.central.db, nodes.clones[i]!.db, signal()),
      rows,
      conflicts: async () => (await listConflicts(nodes.central.db, { limit: 1000 }, signal())).items,
      workDir,
      async close() {
        await nodes.close();
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await nodes.close();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}
