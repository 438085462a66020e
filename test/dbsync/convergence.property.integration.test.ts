/**
 * Study §6.42 (shared/reference/two-way-db-sync-study.md): property-based fuzz. Random
 * interleavings of inserts, updates (one random column) and deletes on a random node of a central
 * and two clones, syncs, and syncs cut by a fault thrown at a random FaultPoints step, over a
 * parent table and a child table (child.parent_uid -> parent.uid), rule lww. After each run every
 * clone syncs twice in both orders (0,1,0,1 then 1,0) and the convergence oracle must hold:
 *
 * 1. the three nodes hold the same rows (by uid, shipped values), except rows that a pending
 *    conflict explains; pending conflicts are only FK orphans of a deleted parent;
 * 2. last writer wins: a live row's column holds the value of its last write (writes run one after
 *    another on one machine, so command order is the (hlc, node) order; clock skew is left to the
 *    clocks tests so that this oracle stays independent of the engine's clocks); a row deleted
 *    anywhere is gone everywhere (lww: the delete wins over updates);
 * 3. conflicts are recorded, not silent: two or three nodes that each changed the same column of
 *    a row to different values without seeing each other's write leave a conflict on that column;
 *    a delete concurrent with another node's updates leaves an update_delete/delete_update;
 * 4. and no update_update conflict names a column only one node ever changed.
 *
 * "Concurrent" uses what each node may know: a sync, even one cut by a fault, counts as a full
 * exchange, so the oracle only demands a conflict where the writes surely did not see each other.
 * Each run writes rows under fresh uids on ONE cluster (created once). Model, commands and oracle:
 * convergence-model.ts. fast-check prints the seed
 * and the shrunk command list on failure; replay with DBSYNC_PROPERTY_SEED, DBSYNC_PROPERTY_PATH,
 * DBSYNC_PROPERTY_REPLAY (the replayPath) and DBSYNC_PROPERTY_RUNS (at least the path's first number + 1).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import fc from 'fast-check';

import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';
import { commandArbitraries as c, PROPERTY_SCHEMA_SQL, runScenario, sync, update } from './convergence-model.ts';

let cluster: SyncCluster;
before(async () => {
  cluster = await createSyncCluster({ setupSql: PROPERTY_SCHEMA_SQL, schemas: ['prop'] });
});
after(() => cluster?.close());

test(
  '§6.42 random edits, syncs and faults over a central and two clones always converge (lww, parent/child)',
  { timeout: 240_000 },
  async () => {
    const commands = fc.commands([c.insert, c.update, c.update, c.update, c.update, c.remove, c.sync, c.sync, c.sync], {
      maxCommands: 25,
      size: 'max',
      replayPath: process.env.DBSYNC_PROPERTY_REPLAY,
    });
    const seed = process.env.DBSYNC_PROPERTY_SEED;
    const details = await fc.check(
      fc.asyncProperty(commands, async (cmds) => {
        const problems = await runScenario(cluster, cmds);
        if (problems.length > 0) throw new Error(`convergence oracle:\n  ${problems.join('\n  ')}`);
      }),
      {
        numRuns: Number(process.env.DBSYNC_PROPERTY_RUNS ?? 25),
        ...(seed && { seed: Number(seed), path: process.env.DBSYNC_PROPERTY_PATH }),
        // Bounds shrinking after a failure (a run syncs a dozen times); a replay resumes it.
        skipAllAfterTimeLimit: 150_000,
      },
    );
    // The report carries the seed, the replay path, the shrunk commands and the oracle's findings.
    if (details.failed) {
      assert.fail(`${fc.defaultReportMessage(details)}\n${(details.errorInstance as Error | null)?.message ?? ''}`);
    }
  },
);

// Shrunk counterexamples found by the property, pinned so they fail every time until fixed.
test('§6.42 counterexample: a clone edit the central overwrote and then set back to the base value (A-B-A) does not win', async () => {
  // The clone sets a=1 (older); the central sets a=1 then a=0 (newest write: 0). The clone takes
  // the central's 0, but its own older change still passes the central's old-value check
  // (central 0 = the clone's base 0) and is applied there: central 1, clone0 0.
  const problems = await runScenario(cluster, [
    update({ n: 1, table: 'parent', slot: 0, column: 0, value: 1 }),
    update({ n: 0, table: 'parent', slot: 0, column: 0, value: 1 }),
    update({ n: 0, table: 'parent', slot: 0, column: 0, value: 0 }),
  ]);
  assert.deepEqual(problems, []);
});

test('§6.42 counterexample: a newer write of the value a node already holds keeps its clock, whatever the sync order', async () => {
  // The central sets a=2 (t1), clone1 takes it and sets a=0 (t2), clone0 then sets a=2 (t3, the
  // newest). Synced 0 then 1, the central drops clone0's a=2 as "same value" without keeping t3,
  // so clone1's older a=0 wins (synced 1 then 0, a=2 wins): the outcome depends on the sync order.
  const problems = await runScenario(cluster, [
    update({ n: 0, table: 'parent', slot: 0, column: 0, value: 2 }),
    sync({ i: 1, batch: 1, fault: null }),
    update({ n: 2, table: 'parent', slot: 0, column: 0, value: 0 }),
    update({ n: 1, table: 'parent', slot: 0, column: 0, value: 2 }),
  ]);
  assert.deepEqual(problems, []);
});
