/**
 * Study §6 scenarios 1-6, 36 and 37: concurrent edits of the same rows on the central and two
 * clones, merged per column (decision 0014, "Conflicts, quarantine and ping-back"). Every test
 * gets its own cluster (central + 2 deployed clones, real PostGIS) with one table per rule.
 * A conflict is recorded by each node that detects it: the clone when it pulls, the central when
 * the clone pushes; both rows carry the same base/central/clone values and winner.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type SyncCluster } from '../helpers/dbsync-cluster.ts';
import {
  assertConverged,
  assertRow,
  conflictOn,
  conflictRecords,
  conflictsOf,
  resolve,
  RULE_TABLE_RULES,
  RULE_TABLES as TABLES,
  type SeenConflict,
  syncAll,
  uid,
  withSyncCluster,
} from './scenario-helpers.ts';

type Rule = keyof typeof TABLES;
const RULES = Object.keys(TABLES) as Rule[];

const square = (x: number) => `SRID=2154;POLYGON((${x} 0,${x + 10} 0,${x + 10} 10,${x} 10,${x} 0))`;

const setupSql = ['CREATE SCHEMA field;']
  .concat(
    Object.values(TABLES).map(
      (t) =>
        `CREATE TABLE ${t} (id serial PRIMARY KEY, name text, h numeric, note text, geom geometry(Polygon, 2154));`,
    ),
  )
  .join('\n');
// Rows 1..6 of every table: name 'a', h 1, note 'n', geom square(0).
const seedSql = Object.values(TABLES)
  .map(
    (t) => `INSERT INTO ${t} (uid, name, h, note, geom)
      SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'a', 1, 'n', '${square(0)}'::geometry
        FROM generate_series(1, 6) n;`,
  )
  .join('\n');

interface Ctx {
  cluster: SyncCluster;
  /** Hex EWKB of square(x), as the sync ships and cluster.rows shows it. */
  hex: (x: number) => Promise<string>;
  /** A seeded row with some columns changed. */
  site: (n: number, changes?: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

async function withCluster(run: (ctx: Ctx) => Promise<void>): Promise<void> {
  await withSyncCluster({ setupSql, rules: RULE_TABLE_RULES, seedSql }, async (cluster) => {
    const hex = async (x: number) =>
      (await cluster.central.query<{ h: string }>('SELECT $1::geometry::text AS h', [square(x)]))[0]!.h;
    const base = await hex(0);
    await run({
      cluster,
      hex,
      site: async (n, changes = {}) => ({ uid: uid(n), name: 'a', h: 1, note: 'n', geom: base, ...changes }),
    });
  });
}

/** The same conflict seen by the central and by the clone that pushed it. */
const seenByBoth = (node: string, conflict: Omit<SeenConflict, 'node'>): SeenConflict[] => [
  { node: 'central', ...conflict },
  { node, ...conflict },
];

const centralConflict = (c: SyncCluster, table: string, id: string) => conflictOn(c, table, id, 'central');

test('§6.1 same row, different columns on the central and a clone: both values kept, no conflict (every rule)', async () => {
  await withCluster(async ({ cluster, site }) => {
    for (const table of Object.values(TABLES)) {
      await cluster.central.query(`UPDATE ${table} SET name = 'central' WHERE uid = $1`, [uid(1)]);
      await cluster.clones[0]!.query(`UPDATE ${table} SET h = 2.5 WHERE uid = $1`, [uid(1)]);
    }
    const report = await cluster.sync(0);
    assert.equal(report.toClone.changes, 3);
    assert.equal(report.toCentral.changes, 3);
    assert.equal(report.conflicts, 0);
    await cluster.sync(1);
    for (const table of Object.values(TABLES)) {
      await assertRow(cluster, table, uid(1), await site(1, { name: 'central', h: 2.5 }));
    }
    assert.deepEqual(await cluster.conflicts(), []);
    await assertConverged(cluster);
  });
});

test('§6.2 same column, different values, lww: the later write wins everywhere, one conflict per detecting node', async () => {
  await withCluster(async ({ cluster, site }) => {
    const t = TABLES.lww;
    // row 1: the clone writes last; row 2: the central writes last
    await cluster.central.query(`UPDATE ${t} SET name = 'central' WHERE uid = $1`, [uid(1)]);
    await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'clone' WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
    await cluster.central.query(`UPDATE ${t} SET name = 'central' WHERE uid = $1`, [uid(2)]);
    const report = await cluster.sync(0);
    assert.equal(report.conflicts, 4);
    await cluster.sync(1);
    await assertRow(cluster, t, uid(1), await site(1, { name: 'clone' }));
    await assertRow(cluster, t, uid(2), await site(2, { name: 'central' }));
    const conflict = { kind: 'update_update', column: 'name', base: 'a', central: 'central', clone: 'clone' };
    assert.deepEqual(
      await conflictsOf(cluster, t, uid(1)),
      seenByBoth('clone0', { ...conflict, winner: 'clone', outcome: 'auto' }),
    );
    assert.deepEqual(
      await conflictsOf(cluster, t, uid(2)),
      seenByBoth('clone0', { ...conflict, winner: 'central', outcome: 'auto' }),
    );
    await syncAll(cluster);
    assert.equal((await cluster.conflicts()).length, 4, 'no new conflicts on later syncs');
    await assertConverged(cluster);
  });
});

test('§6.2 same column, different values, central_wins: the central value stays whatever the order', async () => {
  await withCluster(async ({ cluster, site }) => {
    const t = TABLES.central_wins;
    await cluster.central.query(`UPDATE ${t} SET name = 'central' WHERE uid = $1`, [uid(1)]);
    await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'clone' WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
    await cluster.central.query(`UPDATE ${t} SET name = 'central' WHERE uid = $1`, [uid(2)]);
    await cluster.sync(0);
    await cluster.sync(1);
    const conflict = { kind: 'update_update', column: 'name', base: 'a', central: 'central', clone: 'clone' };
    for (const n of [1, 2]) {
      await assertRow(cluster, t, uid(n), await site(n, { name: 'central' }));
      assert.deepEqual(
        await conflictsOf(cluster, t, uid(n)),
        seenByBoth('clone0', { ...conflict, winner: 'central', outcome: 'auto' }),
      );
    }
    await syncAll(cluster);
    await assertConverged(cluster);
  });
});

test('§6.2 same column, different values, manual: both sides keep theirs, pending, then resolved (clone, central, value)', async () => {
  await withCluster(async ({ cluster, site }) => {
    const t = TABLES.manual;
    for (const n of [1, 2, 3]) {
      await cluster.central.query(`UPDATE ${t} SET name = 'central' WHERE uid = $1`, [uid(n)]);
      await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'clone' WHERE uid = $1`, [uid(n)]);
    }
    await cluster.sync(0);
    await cluster.sync(1);
    const pending = { kind: 'update_update', column: 'name', base: 'a', central: 'central', clone: 'clone' };
    for (const n of [1, 2, 3]) {
      await assertRow(cluster, t, uid(n), await site(n, { name: 'central' }), ['central', 'clone1']);
      await assertRow(cluster, t, uid(n), await site(n, { name: 'clone' }), ['clone0']);
      assert.deepEqual(
        await conflictsOf(cluster, t, uid(n)),
        seenByBoth('clone0', { ...pending, winner: 'none', outcome: 'pending' }),
      );
    }
    const diverged = await cluster.verify(0);
    assert.equal(diverged.equal, false);
    assert.deepEqual(
      diverged.tables.find((x) => x.table === t)?.different,
      [1, 2, 3].map((n) => ({ uid: uid(n), columns: ['name'] })),
    );
    assert.equal((await cluster.verify(1)).equal, true);

    // Bad input first: nothing changes.
    const first = await centralConflict(cluster, t, uid(1));
    await assert.rejects(resolve(cluster, first.id, 'value'), { code: 'dbsync_resolution_value_missing' });
    await assert.rejects(resolve(cluster, 999_999, 'central'), { code: 'dbsync_conflict_not_found' });

    const resolved = await resolve(cluster, first.id, 'clone');
    assert.equal(resolved.outcome, 'resolved');
    assert.equal(resolved.resolvedBy, 'tester');
    await assert.rejects(resolve(cluster, first.id, 'central'), { code: 'dbsync_conflict_resolved' });
    // The clone's own copy of the conflict is resolvable too; it closes the central's sibling.
    const second = (await conflictRecords(cluster, t, uid(2))).find((r) => r.nodeId === cluster.cloneIds[0]);
    await resolve(cluster, second!.id, 'central');
    await resolve(cluster, (await centralConflict(cluster, t, uid(3))).id, 'value', 'chosen');

    await syncAll(cluster);
    await assertRow(cluster, t, uid(1), await site(1, { name: 'clone' }));
    await assertRow(cluster, t, uid(2), await site(2, { name: 'central' }));
    await assertRow(cluster, t, uid(3), await site(3, { name: 'chosen' }));
    for (const n of [1, 2, 3]) {
      assert.deepEqual(
        (await conflictsOf(cluster, t, uid(n))).map((x) => x.outcome),
        ['resolved', 'resolved'],
        `row ${n}: both sides' conflict rows closed`,
      );
    }
    assert.equal((await cluster.conflicts()).length, 6, 'applying a resolution raises no new conflict');
    await assertConverged(cluster);
  });
});

test('§6.3 same row, same column, same value on both sides: no conflict (every rule)', async () => {
  await withCluster(async ({ cluster, site, hex }) => {
    for (const table of Object.values(TABLES)) {
      for (const node of [cluster.central, cluster.clones[0]!]) {
        await node.query(`UPDATE ${table} SET name = 'same', geom = $2::geometry WHERE uid = $1`, [uid(3), square(50)]);
      }
    }
    const report = await cluster.sync(0);
    assert.equal(report.conflicts, 0);
    await cluster.sync(1);
    for (const table of Object.values(TABLES)) {
      await assertRow(cluster, table, uid(3), await site(3, { name: 'same', geom: await hex(50) }));
    }
    assert.deepEqual(await cluster.conflicts(), []);
    await syncAll(cluster);
    await assertConverged(cluster);
  });
});

test('§6.4 three-way edit of one column: one winner whatever the sync order (lww: latest HLC; central_wins: central)', async () => {
  await withCluster(async ({ cluster, site }) => {
    const edit = async (n: number) => {
      for (const t of [TABLES.lww, TABLES.central_wins]) {
        await cluster.central.query(`UPDATE ${t} SET name = 'central' WHERE uid = $1`, [uid(n)]);
        await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'A' WHERE uid = $1`, [uid(n)]);
        await cluster.clones[1]!.query(`UPDATE ${t} SET name = 'B' WHERE uid = $1`, [uid(n)]); // latest
      }
    };
    // Row 4: A syncs first, then B. Row 5: B first, then A.
    await edit(4);
    for (const i of [0, 1, 0]) await cluster.sync(i);
    await edit(5);
    for (const i of [1, 0, 1]) await cluster.sync(i);
    await syncAll(cluster);

    for (const n of [4, 5]) {
      await assertRow(cluster, TABLES.lww, uid(n), await site(n, { name: 'B' }));
      await assertRow(cluster, TABLES.central_wins, uid(n), await site(n, { name: 'central' }));
      for (const x of await conflictsOf(cluster, TABLES.central_wins, uid(n))) {
        assert.deepEqual([x.kind, x.winner, x.outcome, x.central], ['update_update', 'central', 'auto', 'central']);
      }
    }
    const uu = { kind: 'update_update', column: 'name', base: 'a', outcome: 'auto' };
    // A-then-B: A beats the central, then B beats A everywhere.
    assert.deepEqual(await conflictsOf(cluster, TABLES.lww, uid(4)), [
      { node: 'central', ...uu, central: 'central', clone: 'A', winner: 'clone' },
      { node: 'central', ...uu, central: 'A', clone: 'B', winner: 'clone' },
      { node: 'clone0', ...uu, central: 'central', clone: 'A', winner: 'clone' },
      { node: 'clone1', ...uu, central: 'A', clone: 'B', winner: 'clone' },
    ]);
    // B-then-A: B beats the central; A's older edit then loses on A and on the central.
    assert.deepEqual(await conflictsOf(cluster, TABLES.lww, uid(5)), [
      { node: 'central', ...uu, central: 'central', clone: 'B', winner: 'clone' },
      { node: 'central', ...uu, central: 'B', clone: 'A', winner: 'central' },
      { node: 'clone0', ...uu, central: 'B', clone: 'A', winner: 'central' },
      { node: 'clone1', ...uu, central: 'central', clone: 'B', winner: 'clone' },
    ]);
    await assertConverged(cluster);
  });
});

test('§6.5 repeated edits before a sync: only the final values travel, compacted to one change per row', async () => {
  await withCluster(async ({ cluster, site }) => {
    const t = TABLES.lww;
    const clone = cluster.clones[0]!;
    for (const sql of [
      `UPDATE ${t} SET h = 2 WHERE uid = $1`,
      `UPDATE ${t} SET name = 'x1' WHERE uid = $1`,
      `UPDATE ${t} SET h = 3 WHERE uid = $1`,
      `UPDATE ${t} SET note = 'y', name = 'x2' WHERE uid = $1`,
      `UPDATE ${t} SET h = 4 WHERE uid = $1`,
    ]) {
      await clone.query(sql, [uid(1)]);
    }
    for (const v of ['c1', 'c2', 'c3']) {
      await cluster.central.query(`UPDATE ${t} SET name = $2 WHERE uid = $1`, [uid(2), v]);
    }
    // insert + updates travel as one insert; insert + delete travel as nothing
    await clone.query(`INSERT INTO ${t} (uid, name) VALUES ($1, 'new')`, [uid(50)]);
    await clone.query(`UPDATE ${t} SET name = 'new2' WHERE uid = $1`, [uid(50)]);
    await clone.query(`UPDATE ${t} SET h = 9 WHERE uid = $1`, [uid(50)]);
    await clone.query(`INSERT INTO ${t} (uid, name) VALUES ($1, 'gone')`, [uid(51)]);
    await clone.query(`DELETE FROM ${t} WHERE uid = $1`, [uid(51)]);

    const report = await cluster.sync(0);
    assert.equal(report.toClone.changes, 1);
    assert.equal(report.toCentral.changes, 2);
    assert.equal(report.conflicts, 0);
    const second = await cluster.sync(1);
    assert.equal(second.toClone.changes, 3);
    await assertRow(cluster, t, uid(1), await site(1, { name: 'x2', h: 4, note: 'y' }));
    await assertRow(cluster, t, uid(2), await site(2, { name: 'c3' }));
    await assertRow(cluster, t, uid(50), { uid: uid(50), name: 'new2', h: 9, note: null, geom: null });
    await assertRow(cluster, t, uid(51), undefined);
    assert.deepEqual(await cluster.conflicts(), []);
    await assertConverged(cluster);
  });
});

test('§6.6 edited, synced, edited again elsewhere: no stale overwrite and no false conflict (every rule)', async () => {
  await withCluster(async ({ cluster, site }) => {
    for (const t of Object.values(TABLES)) {
      await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'k1' WHERE uid = $1`, [uid(6)]);
    }
    await cluster.sync(0);
    for (const t of Object.values(TABLES)) {
      await assertRow(cluster, t, uid(6), await site(6, { name: 'k1' }), ['central', 'clone0']);
      await cluster.central.query(`UPDATE ${t} SET name = 'c2' WHERE uid = $1`, [uid(6)]);
      // clone1 has not synced since the deploy: its row is stale, but only h changed there.
      await cluster.clones[1]!.query(`UPDATE ${t} SET h = 7 WHERE uid = $1`, [uid(6)]);
    }
    const one = await cluster.sync(1);
    assert.equal(one.conflicts, 0);
    const zero = await cluster.sync(0);
    assert.equal(zero.toCentral.changes, 0, 'the clone does not resend its synced edit');
    assert.equal(zero.conflicts, 0);
    for (const t of Object.values(TABLES)) {
      await assertRow(cluster, t, uid(6), await site(6, { name: 'c2', h: 7 }));
    }
    assert.deepEqual(await cluster.conflicts(), []);
    await assertConverged(cluster);
  });
});

test('§6.36 concurrent geometry edit and attribute edit on one feature: both kept (every rule)', async () => {
  await withCluster(async ({ cluster, site, hex }) => {
    for (const t of Object.values(TABLES)) {
      await cluster.central.query(`UPDATE ${t} SET geom = $2::geometry WHERE uid = $1`, [uid(1), square(100)]);
      await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'clone' WHERE uid = $1`, [uid(1)]);
      await cluster.clones[0]!.query(`UPDATE ${t} SET geom = $2::geometry WHERE uid = $1`, [uid(2), square(200)]);
      await cluster.central.query(`UPDATE ${t} SET h = 5 WHERE uid = $1`, [uid(2)]);
    }
    await syncAll(cluster);
    for (const t of Object.values(TABLES)) {
      await assertRow(cluster, t, uid(1), await site(1, { name: 'clone', geom: await hex(100) }));
      await assertRow(cluster, t, uid(2), await site(2, { h: 5, geom: await hex(200) }));
    }
    assert.deepEqual(await cluster.conflicts(), []);
    await assertConverged(cluster);
  });
});

test('§6.37 concurrent geometry edits: a conflict holding both geometries; manual waits for a pick', async () => {
  await withCluster(async ({ cluster, site, hex }) => {
    for (const t of Object.values(TABLES)) {
      for (const n of [1, 2]) {
        await cluster.central.query(`UPDATE ${t} SET geom = $2::geometry WHERE uid = $1`, [uid(n), square(100)]);
        await cluster.clones[0]!.query(`UPDATE ${t} SET geom = $2::geometry WHERE uid = $1`, [uid(n), square(200)]);
      }
    }
    await cluster.sync(0);
    await cluster.sync(1);
    const [g0, gCentral, gClone, gChosen] = [await hex(0), await hex(100), await hex(200), await hex(300)];
    const both = { kind: 'update_update', column: 'geom', base: g0, central: gCentral, clone: gClone };
    const expected: Record<Rule, Omit<SeenConflict, 'node'>> = {
      lww: { ...both, winner: 'clone', outcome: 'auto' },
      central_wins: { ...both, winner: 'central', outcome: 'auto' },
      manual: { ...both, winner: 'none', outcome: 'pending' },
    };
    for (const rule of RULES) {
      for (const n of [1, 2]) {
        assert.deepEqual(await conflictsOf(cluster, TABLES[rule], uid(n)), seenByBoth('clone0', expected[rule]), rule);
      }
    }
    for (const n of [1, 2]) {
      await assertRow(cluster, TABLES.lww, uid(n), await site(n, { geom: gClone }));
      await assertRow(cluster, TABLES.central_wins, uid(n), await site(n, { geom: gCentral }));
      await assertRow(cluster, TABLES.manual, uid(n), await site(n, { geom: gCentral }), ['central', 'clone1']);
      await assertRow(cluster, TABLES.manual, uid(n), await site(n, { geom: gClone }), ['clone0']);
    }

    // The pick: the clone's geometry for row 1, a third one (hex EWKB) for row 2.
    await resolve(cluster, (await centralConflict(cluster, TABLES.manual, uid(1))).id, 'clone');
    await resolve(cluster, (await centralConflict(cluster, TABLES.manual, uid(2))).id, 'value', gChosen);
    await syncAll(cluster);
    await assertRow(cluster, TABLES.manual, uid(1), await site(1, { geom: gClone }));
    await assertRow(cluster, TABLES.manual, uid(2), await site(2, { geom: gChosen }));
    assert.deepEqual(
      (await cluster.conflicts()).filter((x) => x.outcome === 'pending'),
      [],
      'every pending conflict closed',
    );
    await assertConverged(cluster);
  });
});
