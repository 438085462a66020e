/**
 * Study §6 scenarios 7-11: deletes against updates, deletes on both sides, resurrection with the
 * same uid, and a parent deleted while a clone adds a child (FK orphan). Every test gets its own
 * cluster (central + 2 deployed clones, real PostGIS). Rules (decision 0014, engine map): lww and
 * central_wins let a delete win over a concurrent update, except that a clone's delete of a row
 * the central changed is undone under central_wins (the central sends the row back whole);
 * manual keeps both sides as they are, pending, until a person resolves it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type SyncCluster } from '../helpers/dbsync-cluster.ts';
import {
  assertConverged,
  assertRow,
  conflictOn,
  conflictsOf,
  pendingCount,
  resolve,
  RULE_TABLE_RULES,
  RULE_TABLES as TABLES,
  syncAll,
  uid,
  withSyncCluster,
} from './scenario-helpers.ts';

/** A seeded row (name 'a', h 1, note 'n') with some columns changed. */
const site = (n: number, changes: Record<string, unknown> = {}) => ({
  uid: uid(n),
  name: 'a',
  h: 1,
  note: 'n',
  ...changes,
});

const siteSetup = ['CREATE SCHEMA field;']
  .concat(
    Object.values(TABLES).map((t) => `CREATE TABLE ${t} (id serial PRIMARY KEY, name text, h numeric, note text);`),
  )
  .join('\n');
const siteSeed = Object.values(TABLES)
  .map(
    (t) => `INSERT INTO ${t} (uid, name, h, note)
      SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'a', 1, 'n' FROM generate_series(1, 6) n;`,
  )
  .join('\n');

function withCluster(
  run: (cluster: SyncCluster) => Promise<void>,
  setup = { setupSql: siteSetup, seedSql: siteSeed },
): Promise<void> {
  return withSyncCluster({ ...setup, rules: RULE_TABLE_RULES }, run);
}

test('§6.7 central deletes while the clone updates one or several columns: lww and central_wins delete, recorded both sides', async () => {
  await withCluster(async (cluster) => {
    for (const t of [TABLES.lww, TABLES.central_wins]) {
      await cluster.central.query(`DELETE FROM ${t} WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
      await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'k' WHERE uid = $1`, [uid(1)]);
      await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'k', h = 2 WHERE uid = $1`, [uid(2)]);
    }
    const report = await cluster.sync(0);
    assert.equal(report.conflicts, 8);
    await cluster.sync(1);
    for (const [t, rule] of [
      [TABLES.lww, 'lww'],
      [TABLES.central_wins, 'central_wins'],
    ] as const) {
      for (const [n, changed] of [
        [1, { name: 'k' }],
        [2, { name: 'k', h: 2 }],
      ] as const) {
        await assertRow(cluster, t, uid(n), undefined);
        const base = Object.fromEntries(Object.keys(changed).map((k) => [k, site(n)[k as keyof typeof changed]]));
        assert.deepEqual(
          await conflictsOf(cluster, t, uid(n)),
          [
            // the clone's update reaching the central: the row is gone, the delete stands
            { node: 'central', kind: 'update_delete', column: null, base, central: null, clone: changed },
            // the central's delete reaching the clone: the row had changed, it is deleted anyway
            {
              node: 'clone0',
              kind: 'delete_update',
              column: null,
              base: site(n),
              central: null,
              clone: site(n, changed),
            },
          ].map((x) => ({ ...x, winner: 'central', outcome: 'auto' })),
          `${rule} row ${n}`,
        );
      }
    }
    await syncAll(cluster);
    await assertConverged(cluster);
  });
});

test('§6.7 central deletes while the clone updates, manual: kept on the clone, pending; resolved to either side', async () => {
  await withCluster(async (cluster) => {
    const t = TABLES.manual;
    await cluster.central.query(`DELETE FROM ${t} WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
    await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'k', h = 2 WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
    await cluster.sync(0);
    await cluster.sync(1);
    const changed = { name: 'k', h: 2 };
    for (const n of [1, 2]) {
      await assertRow(cluster, t, uid(n), undefined, ['central', 'clone1']);
      await assertRow(cluster, t, uid(n), site(n, changed), ['clone0']);
      assert.deepEqual(
        await conflictsOf(cluster, t, uid(n)),
        [
          {
            node: 'central',
            kind: 'update_delete',
            column: null,
            base: { name: 'a', h: 1 },
            central: null,
            clone: changed,
          },
          {
            node: 'clone0',
            kind: 'delete_update',
            column: null,
            base: site(n),
            central: null,
            clone: site(n, changed),
          },
        ].map((x) => ({ ...x, winner: 'none', outcome: 'pending' })),
      );
    }
    const diverged = (await cluster.verify(0)).tables.find((x) => x.table === t);
    assert.deepEqual(diverged?.extraOnClone, [uid(1), uid(2)]);

    // The central's conflict holds only the clone's changed columns: keeping the clone needs the
    // clone's whole row (its delete_update), and a whole-row conflict takes no value.
    const central1 = await conflictOn(cluster, t, uid(1), 'central');
    await assert.rejects(resolve(cluster, central1.id, 'clone'), { code: 'dbsync_conflict_needs_row' });
    await assert.rejects(resolve(cluster, central1.id, 'value', 'x'), { code: 'dbsync_resolution_invalid' });
    await resolve(cluster, central1.id, 'central'); // row 1 stays deleted
    await resolve(cluster, (await conflictOn(cluster, t, uid(2), 'clone0')).id, 'clone'); // row 2 comes back

    await syncAll(cluster);
    await assertRow(cluster, t, uid(1), undefined);
    await assertRow(cluster, t, uid(2), site(2, changed));
    for (const n of [1, 2]) {
      assert.deepEqual(
        (await conflictsOf(cluster, t, uid(n))).map((x) => x.outcome),
        ['resolved', 'resolved'],
      );
    }
    assert.equal(await pendingCount(cluster), 0);
    await assertConverged(cluster);
  });
});

test('§6.8 clone deletes while the central updates: lww deletes everywhere, central_wins brings the row back in the same sync', async () => {
  await withCluster(async (cluster) => {
    for (const t of [TABLES.lww, TABLES.central_wins]) {
      await cluster.clones[0]!.query(`DELETE FROM ${t} WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
      await cluster.central.query(`UPDATE ${t} SET name = 'c' WHERE uid = $1`, [uid(1)]);
      await cluster.central.query(`UPDATE ${t} SET name = 'c', h = 3 WHERE uid = $1`, [uid(2)]);
    }
    await cluster.sync(0);
    const changes = { 1: { name: 'c' }, 2: { name: 'c', h: 3 } } as const;
    // central_wins: after this one sync the clone has the central's row again (ping-back pull)
    for (const n of [1, 2] as const) {
      await assertRow(cluster, TABLES.central_wins, uid(n), site(n, changes[n]), ['central', 'clone0']);
    }
    await cluster.sync(1);
    for (const n of [1, 2] as const) {
      const changed = changes[n];
      const base = Object.fromEntries(Object.keys(changed).map((k) => [k, site(n)[k as keyof typeof changed]]));
      await assertRow(cluster, TABLES.lww, uid(n), undefined);
      await assertRow(cluster, TABLES.central_wins, uid(n), site(n, changed));
      const sides = [
        // the clone's delete reaching the central, which had changed the row
        { node: 'central', kind: 'delete_update', column: null, base: site(n), central: site(n, changed), clone: null },
        // the central's update reaching the clone, which had deleted the row
        { node: 'clone0', kind: 'update_delete', column: null, base, central: changed, clone: null },
      ];
      assert.deepEqual(
        await conflictsOf(cluster, TABLES.lww, uid(n)),
        sides.map((x) => ({ ...x, winner: 'clone', outcome: 'auto' })),
        `lww row ${n}`,
      );
      assert.deepEqual(
        await conflictsOf(cluster, TABLES.central_wins, uid(n)),
        sides.map((x) => ({ ...x, winner: 'central', outcome: 'auto' })),
        `central_wins row ${n}`,
      );
    }
    await syncAll(cluster);
    await assertConverged(cluster);
  });
});

test('§6.8 clone deletes while the central updates, manual: pending; keep central restores, keep clone deletes', async () => {
  await withCluster(async (cluster) => {
    const t = TABLES.manual;
    await cluster.clones[0]!.query(`DELETE FROM ${t} WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
    await cluster.central.query(`UPDATE ${t} SET name = 'c' WHERE uid IN ($1, $2)`, [uid(1), uid(2)]);
    await cluster.sync(0);
    await cluster.sync(1);
    for (const n of [1, 2]) {
      await assertRow(cluster, t, uid(n), site(n, { name: 'c' }), ['central', 'clone1']);
      await assertRow(cluster, t, uid(n), undefined, ['clone0']);
      assert.deepEqual(
        await conflictsOf(cluster, t, uid(n)),
        [
          {
            node: 'central',
            kind: 'delete_update',
            column: null,
            base: site(n),
            central: site(n, { name: 'c' }),
            clone: null,
          },
          {
            node: 'clone0',
            kind: 'update_delete',
            column: null,
            base: { name: 'a' },
            central: { name: 'c' },
            clone: null,
          },
        ].map((x) => ({ ...x, winner: 'none', outcome: 'pending' })),
      );
    }
    await resolve(cluster, (await conflictOn(cluster, t, uid(1), 'central')).id, 'central');
    await resolve(cluster, (await conflictOn(cluster, t, uid(2), 'central')).id, 'clone');
    await syncAll(cluster);
    await assertRow(cluster, t, uid(1), site(1, { name: 'c' }));
    await assertRow(cluster, t, uid(2), undefined);
    assert.equal(await pendingCount(cluster), 0);
    await assertConverged(cluster);
  });
});

test('§6.9 the same row deleted on several nodes: no error, no conflict (every rule)', async () => {
  await withCluster(async (cluster) => {
    for (const t of Object.values(TABLES)) {
      for (const node of [cluster.central, cluster.clones[0]!, cluster.clones[1]!]) {
        await node.query(`DELETE FROM ${t} WHERE uid = $1`, [uid(3)]);
      }
      for (const node of [cluster.central, cluster.clones[0]!]) {
        await node.query(`DELETE FROM ${t} WHERE uid = $1`, [uid(4)]);
      }
    }
    const report = await cluster.sync(0);
    assert.equal(report.conflicts, 0);
    await syncAll(cluster);
    for (const t of Object.values(TABLES)) {
      for (const n of [3, 4]) await assertRow(cluster, t, uid(n), undefined);
      await assertRow(cluster, t, uid(5), site(5));
    }
    assert.deepEqual(await cluster.conflicts(), []);
    await assertConverged(cluster);
  });
});

test('§6.10 update, delete, re-insert with the same uid: the latest state wins over the tombstone', async () => {
  await withCluster(async (cluster) => {
    const t = TABLES.lww;
    const [central, clone0, clone1] = [cluster.central, cluster.clones[0]!, cluster.clones[1]!];
    // In one window: update, delete, re-insert (row 1 on a clone, row 2 on the central).
    for (const [node, n] of [
      [clone0, 1],
      [central, 2],
    ] as const) {
      await node.query(`UPDATE ${t} SET name = 'u' WHERE uid = $1`, [uid(n)]);
      await node.query(`DELETE FROM ${t} WHERE uid = $1`, [uid(n)]);
      await node.query(`INSERT INTO ${t} (uid, name, h) VALUES ($1, 'again', 5)`, [uid(n)]);
    }
    const first = await cluster.sync(0);
    assert.deepEqual([first.toClone.changes, first.toCentral.changes], [1, 1], 'one change per row');
    await cluster.sync(1);
    for (const n of [1, 2]) await assertRow(cluster, t, uid(n), { uid: uid(n), name: 'again', h: 5, note: null });

    // Across syncs: deleted everywhere (tombstones), then re-inserted with the same uid.
    await central.query(`DELETE FROM ${t} WHERE uid = $1`, [uid(3)]);
    await clone1.query(`DELETE FROM ${t} WHERE uid = $1`, [uid(4)]);
    await syncAll(cluster);
    for (const n of [3, 4]) await assertRow(cluster, t, uid(n), undefined);
    await clone0.query(`INSERT INTO ${t} (uid, name) VALUES ($1, 'back')`, [uid(3)]);
    await central.query(`INSERT INTO ${t} (uid, name) VALUES ($1, 'back')`, [uid(4)]);
    await syncAll(cluster);
    for (const n of [3, 4]) await assertRow(cluster, t, uid(n), { uid: uid(n), name: 'back', h: null, note: null });

    // Insert then delete before a sync: nothing travels.
    await clone0.query(`INSERT INTO ${t} (uid, name) VALUES ($1, 'brief')`, [uid(60)]);
    await clone0.query(`DELETE FROM ${t} WHERE uid = $1`, [uid(60)]);
    const brief = await cluster.sync(0);
    assert.equal(brief.toCentral.changes, 0);
    await assertRow(cluster, t, uid(60), undefined);

    assert.deepEqual(await cluster.conflicts(), []);
    await assertConverged(cluster);
  });
});

const fkSetup = {
  setupSql: `CREATE SCHEMA field;
    CREATE TABLE field.zone (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE, name text);
    CREATE TABLE field.plot (id serial PRIMARY KEY, zone_uid uuid REFERENCES field.zone (uid), name text);`,
  seedSql: `INSERT INTO field.zone (uid, name) VALUES ('${uid(1)}', 'z1'), ('${uid(2)}', 'z2');
    INSERT INTO field.plot (uid, zone_uid, name) VALUES ('${uid(10)}', '${uid(2)}', 'p0');`,
};

test('§6.11 parent deleted on the central while a clone adds a child: fk_orphan quarantine, the rest syncs, resolved', async () => {
  await withCluster(async (cluster) => {
    const [central, clone0] = [cluster.central, cluster.clones[0]!];
    await central.query(`DELETE FROM field.zone WHERE uid = $1`, [uid(1)]);
    await clone0.query(`INSERT INTO field.plot (uid, zone_uid, name) VALUES ($1, $2, 'orphan')`, [uid(11), uid(1)]);
    // unrelated edits in the same batch
    await clone0.query(`INSERT INTO field.zone (uid, name) VALUES ($1, 'z3')`, [uid(3)]);
    await clone0.query(`INSERT INTO field.plot (uid, zone_uid, name) VALUES ($1, $2, 'p3')`, [uid(13), uid(3)]);
    await clone0.query(`UPDATE field.plot SET name = 'edited' WHERE uid = $1`, [uid(10)]);

    const report = await cluster.sync(0);
    assert.equal(report.quarantined, 2);
    await cluster.sync(1);
    const plot = (n: number, zone: number, name: string) => ({ uid: uid(n), zone_uid: uid(zone), name });
    const zone = (n: number, name: string) => ({ uid: uid(n), name });
    // the unrelated rows went through everywhere
    await assertRow(cluster, 'field.zone', uid(3), zone(3, 'z3'));
    await assertRow(cluster, 'field.plot', uid(13), plot(13, 3, 'p3'));
    await assertRow(cluster, 'field.plot', uid(10), plot(10, 2, 'edited'));
    // the central refused the orphan; the clone could not delete the parent its child needs
    await assertRow(cluster, 'field.plot', uid(11), undefined, ['central', 'clone1']);
    await assertRow(cluster, 'field.plot', uid(11), plot(11, 1, 'orphan'), ['clone0']);
    await assertRow(cluster, 'field.zone', uid(1), undefined, ['central', 'clone1']);
    await assertRow(cluster, 'field.zone', uid(1), zone(1, 'z1'), ['clone0']);
    const orphan = await conflictOn(cluster, 'field.plot', uid(11), 'central');
    assert.deepEqual(
      [orphan.kind, orphan.column, orphan.winner, orphan.outcome, orphan.sqlstate],
      ['fk_orphan', null, 'none', 'pending', '23503'],
    );
    assert.equal((orphan.incoming as { op: string }).op, 'I');
    const parent = await conflictOn(cluster, 'field.zone', uid(1), 'clone0');
    assert.deepEqual(
      [parent.kind, parent.winner, parent.outcome, parent.sqlstate],
      ['fk_orphan', 'none', 'pending', '23503'],
    );
    assert.equal((parent.incoming as { op: string }).op, 'D');
    assert.equal((await cluster.conflicts()).length, 2);

    // Repeated syncs neither retry nor add conflicts.
    for (const i of [0, 1, 0]) {
      const again = await cluster.sync(i);
      assert.deepEqual([again.conflicts, again.quarantined], [0, 0]);
    }
    assert.equal((await cluster.conflicts()).length, 2);

    // Re-adding the orphan on the central fails (its parent is gone) and changes nothing.
    await assert.rejects(resolve(cluster, orphan.id, 'clone'));
    assert.equal((await conflictOn(cluster, 'field.plot', uid(11), 'central')).outcome, 'pending');

    // Keep the central: the child and the parent disappear from the clone too.
    await resolve(cluster, orphan.id, 'central');
    await resolve(cluster, parent.id, 'central');
    await syncAll(cluster);
    await assertRow(cluster, 'field.plot', uid(11), undefined);
    await assertRow(cluster, 'field.zone', uid(1), undefined);
    await assertRow(cluster, 'field.zone', uid(2), zone(2, 'z2'));
    assert.equal(await pendingCount(cluster), 0);
    await assertConverged(cluster);
  }, fkSetup);
});

test('§6.11 a conflict in the same batch as an orphan is recorded once, not again by the retry pass', async () => {
  await withCluster(async (cluster) => {
    const [central, clone0] = [cluster.central, cluster.clones[0]!];
    await central.query(`DELETE FROM field.zone WHERE uid = $1`, [uid(1)]);
    await central.query(`UPDATE field.plot SET name = 'central' WHERE uid = $1`, [uid(10)]);
    await clone0.query(`INSERT INTO field.plot (uid, zone_uid, name) VALUES ($1, $2, 'orphan')`, [uid(11), uid(1)]);
    await clone0.query(`UPDATE field.plot SET name = 'clone' WHERE uid = $1`, [uid(10)]); // later: wins
    const report = await cluster.sync(0);
    await cluster.sync(1);
    assert.equal(report.quarantined, 2);
    await assertRow(cluster, 'field.plot', uid(10), { uid: uid(10), zone_uid: uid(2), name: 'clone' });
    const uu = { kind: 'update_update', column: 'name', base: 'p0', central: 'central', clone: 'clone' };
    assert.deepEqual(await conflictsOf(cluster, 'field.plot', uid(10)), [
      { node: 'central', ...uu, winner: 'clone', outcome: 'auto' },
      { node: 'clone0', ...uu, winner: 'clone', outcome: 'auto' },
    ]);
    assert.equal(report.conflicts, 4, 'the update_update on each side and the two quarantines');
  }, fkSetup);
});
