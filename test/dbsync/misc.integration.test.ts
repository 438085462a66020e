/**
 * Study §6 "Subsets and misc" (shared/reference/two-way-db-sync-study.md).
 *
 * §6.40 (a row leaving a clone's spatial subset is removed there without being reported as a
 * delete) is OUT OF SCOPE: per-clone row subsets are not implemented (decision 0014, "Tests and
 * benchmark": "40 (row subsets) is out of scope"). A package carries whole tables and every
 * change of a synced table reaches every clone, so there is no subset for a row to leave. The
 * test below pins that documented behaviour instead: each clone receives every row, wherever
 * its geometry lies, and moving a geometry elsewhere neither deletes nor hides the row anywhere.
 *
 * §6.41 TRUNCATE on a synced table is refused (a statement trigger; row triggers never see a
 * TRUNCATE, so it would silently unsync the clones); DELETE is the way, and it replicates.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';

let cluster: SyncCluster;
let nodes: SyncNodeDatabase[];
before(async () => {
  cluster = await createSyncCluster({
    setupSql: `CREATE SCHEMA field;
      CREATE TABLE field.site (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE, name text,
        geom geometry(Point, 2154));
      CREATE TABLE field.visit (id serial PRIMARY KEY, site_uid uuid NOT NULL REFERENCES field.site (uid), note text);
      CREATE SCHEMA scratch;
      CREATE TABLE scratch.tmp (id int PRIMARY KEY);`,
    schemas: ['field'],
    seedSql: `INSERT INTO field.site (name, geom) VALUES ('Brest', 'SRID=2154;POINT(145000 6836000)'),
        ('Strasbourg', 'SRID=2154;POINT(1050000 6840000)'), ('Nice', 'SRID=2154;POINT(1044000 6298000)');
      INSERT INTO field.visit (site_uid, note) SELECT uid, 'first visit' FROM field.site;`,
  });
  nodes = [cluster.central, ...cluster.clones];
});
after(() => cluster?.close());

const names = async (node: SyncNodeDatabase) =>
  (await node.query<{ name: string }>('SELECT name FROM field.site ORDER BY name')).map((r) => r.name);
const counts = async (node: SyncNodeDatabase) =>
  (
    await node.query<{ sites: number; visits: number }>(
      'SELECT (SELECT count(*) FROM field.site)::int AS sites, (SELECT count(*) FROM field.visit)::int AS visits',
    )
  )[0]!;

test('§6.40 (subsets out of scope) every clone receives every row of a synced table, wherever it lies', async () => {
  await cluster.central
    .query(`INSERT INTO field.site (name, geom) VALUES ('Bastia', 'SRID=2154;POINT(1220000 6190000)'),
    ('Lille', 'SRID=2154;POINT(704000 7059000)')`);
  for (const i of [0, 1]) await cluster.sync(i);
  const everywhere = ['Bastia', 'Brest', 'Lille', 'Nice', 'Strasbourg'];
  for (const node of nodes) assert.deepEqual(await names(node), everywhere);

  // Clone 0 moves Brest across the country: no subset drops it, nothing is sent as a delete.
  await cluster.clones[0]!.query(
    `UPDATE field.site SET geom = 'SRID=2154;POINT(1044500 6298500)' WHERE name = 'Brest'`,
  );
  const report = await cluster.sync(0);
  assert.equal(report.toCentral.changes, 1);
  await cluster.sync(1);
  for (const node of nodes) assert.deepEqual(await names(node), everywhere);
  for (const i of [0, 1]) assert.equal((await cluster.verify(i)).equal, true);
  assert.deepEqual(await cluster.conflicts(), []);
});

test('§6.41 TRUNCATE of a synced table is refused on the central and on clones, with a clear error', async () => {
  const before = await Promise.all(nodes.map(counts));
  for (const [label, node] of [
    ['central', cluster.central],
    ['clone', cluster.clones[0]!],
  ] as const) {
    for (const sql of [
      'TRUNCATE field.visit',
      'TRUNCATE ONLY field.visit',
      'TRUNCATE field.visit, field.site',
      'TRUNCATE field.site CASCADE',
    ]) {
      await assert.rejects(
        node.query(sql),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, '0A000', `${label}: ${sql}`);
          assert.match(
            error.message,
            /TRUNCATE of synced table field\.(visit|site) is refused: delete the rows instead/,
          );
          return true;
        },
        `${label}: ${sql}`,
      );
    }
  }
  assert.deepEqual(await Promise.all(nodes.map(counts)), before, 'nothing was emptied');
  // Tables outside the synced schemas are not concerned.
  await cluster.central.query('INSERT INTO scratch.tmp VALUES (1)');
  await cluster.central.query('TRUNCATE scratch.tmp');
  assert.deepEqual(await cluster.central.query('SELECT * FROM scratch.tmp'), []);
});

test('§6.41 DELETE of every row works and replicates both ways', async () => {
  // On the central: children first (the FK), then parents; both clones follow.
  await cluster.central.query('BEGIN; DELETE FROM field.visit; DELETE FROM field.site; COMMIT');
  for (const i of [0, 1]) {
    const report = await cluster.sync(i);
    assert.equal(report.conflicts, 0);
  }
  for (const node of nodes) assert.deepEqual(await counts(node), { sites: 0, visits: 0 });

  // From a clone: rows created on the central, emptied on clone 1, gone everywhere.
  await cluster.central.query(`INSERT INTO field.site (name) VALUES ('a'), ('b');
    INSERT INTO field.visit (site_uid, note) SELECT uid, 'v' FROM field.site`);
  for (const i of [0, 1]) await cluster.sync(i);
  assert.deepEqual(await counts(cluster.clones[1]!), { sites: 2, visits: 2 });
  await cluster.clones[1]!.query('BEGIN; DELETE FROM field.visit; DELETE FROM field.site; COMMIT');
  for (const i of [1, 0]) await cluster.sync(i);
  for (const node of nodes) assert.deepEqual(await counts(node), { sites: 0, visits: 0 });
  for (const i of [0, 1]) assert.equal((await cluster.verify(i)).equal, true);
  assert.deepEqual(await cluster.conflicts(), []);
});
