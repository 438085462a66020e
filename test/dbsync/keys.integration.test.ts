/**
 * Study §6 scenarios 12-16: inserts and keys. The same uid inserted on two nodes (insert_insert),
 * the same business key under different uids (unique_violation quarantine, no loop), serial and
 * identity keys that stay local, a central trigger's value pinged back to the clone (`zid`), and
 * parent + child inserted in one clone transaction. Every test gets its own cluster (central + 2
 * deployed clones, real PostGIS).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ConflictRecord } from '../../src/domain/dbsync/conflicts.ts';
import type { SyncCluster } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';
import {
  assertConverged,
  assertRow,
  conflictRecords,
  conflictsOf,
  nodeName,
  nodesOf,
  pendingCount,
  resolve,
  RULE_TABLE_RULES,
  RULE_TABLES,
  syncAll,
  uid,
  withSyncCluster as withCluster,
} from './scenario-helpers.ts';

/** The whole table (shipped values, by uid) on every node. */
async function assertTable(c: SyncCluster, table: string, expected: Record<string, unknown>[]): Promise<void> {
  for (const [name, node] of nodesOf(c)) assert.deepEqual(await c.rows(node, table), expected, `${table} on ${name}`);
}

test('§6.12 the same uid inserted on two nodes: insert_insert per differing column, decided by each rule', async () => {
  await withCluster(
    {
      setupSql: ['CREATE SCHEMA field;']
        .concat(
          Object.values(RULE_TABLES).map((t) => `CREATE TABLE ${t} (id serial PRIMARY KEY, name text, h numeric);`),
        )
        .join('\n'),
      rules: RULE_TABLE_RULES,
    },
    async (cluster) => {
      for (const t of Object.values(RULE_TABLES)) {
        // the same uid, h equal, name different; the clone inserts last. Row 71: identical inserts.
        await cluster.central.query(`INSERT INTO ${t} (uid, name, h) VALUES ($1, 'central', 1), ($2, 'same', 2)`, [
          uid(70),
          uid(71),
        ]);
        await cluster.clones[0]!.query(`INSERT INTO ${t} (uid, name, h) VALUES ($1, 'clone', 1), ($2, 'same', 2)`, [
          uid(70),
          uid(71),
        ]);
      }
      await cluster.sync(0);
      await cluster.sync(1);
      const row = (name: string) => ({ uid: uid(70), name, h: 1 });
      const ii = { kind: 'insert_insert', column: 'name', base: null, central: 'central', clone: 'clone' };
      const both = (winner: string, outcome: string) => [
        { node: 'central', ...ii, winner, outcome },
        { node: 'clone0', ...ii, winner, outcome },
      ];
      await assertRow(cluster, RULE_TABLES.lww, uid(70), row('clone'));
      assert.deepEqual(await conflictsOf(cluster, RULE_TABLES.lww, uid(70)), both('clone', 'auto'));
      await assertRow(cluster, RULE_TABLES.central_wins, uid(70), row('central'));
      assert.deepEqual(await conflictsOf(cluster, RULE_TABLES.central_wins, uid(70)), both('central', 'auto'));
      await assertRow(cluster, RULE_TABLES.manual, uid(70), row('central'), ['central', 'clone1']);
      await assertRow(cluster, RULE_TABLES.manual, uid(70), row('clone'), ['clone0']);
      assert.deepEqual(await conflictsOf(cluster, RULE_TABLES.manual, uid(70)), both('none', 'pending'));
      for (const t of Object.values(RULE_TABLES)) {
        await assertRow(cluster, t, uid(71), { uid: uid(71), name: 'same', h: 2 });
        assert.deepEqual(await conflictsOf(cluster, t, uid(71)), [], 'identical inserts are no conflict');
      }

      const pending = (await conflictRecords(cluster, RULE_TABLES.manual, uid(70))).find(
        (r) => r.nodeId === cluster.centralId,
      );
      await resolve(cluster, pending!.id, 'clone');
      await syncAll(cluster);
      await assertRow(cluster, RULE_TABLES.manual, uid(70), row('clone'));
      assert.equal(await pendingCount(cluster), 0);
      await assertConverged(cluster);
    },
  );
});

test('§6.13 the same business key under different uids: unique_violation quarantine, the batch goes on, no loop', async () => {
  await withCluster(
    {
      setupSql: `CREATE SCHEMA field;
        CREATE TABLE field.station (id serial PRIMARY KEY, code text NOT NULL UNIQUE, name text);`,
      seedSql: `INSERT INTO field.station (uid, code, name) VALUES ('${uid(9)}', 'S9', 'seeded');`,
    },
    async (cluster) => {
      const t = 'field.station';
      const station = (n: number, code: string, name: string) => ({ uid: uid(n), code, name });
      await cluster.central.query(`INSERT INTO ${t} (uid, code, name) VALUES ($1, 'S1', 'central')`, [uid(1)]);
      await cluster.clones[0]!.query(`INSERT INTO ${t} (uid, code, name) VALUES ($1, 'S1', 'clone')`, [uid(2)]);
      await cluster.clones[0]!.query(`INSERT INTO ${t} (uid, code, name) VALUES ($1, 'S2', 'other')`, [uid(3)]);
      await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'edited' WHERE uid = $1`, [uid(9)]);

      const report = await cluster.sync(0);
      assert.equal(report.quarantined, 2, 'the central row on the clone, the clone row on the central');
      await cluster.sync(1);
      // the rest of the batch went through
      await assertRow(cluster, t, uid(3), station(3, 'S2', 'other'));
      await assertRow(cluster, t, uid(9), station(9, 'S9', 'edited'));
      // each side keeps its own S1; the duplicate waits in quarantine
      await assertRow(cluster, t, uid(1), station(1, 'S1', 'central'), ['central', 'clone1']);
      await assertRow(cluster, t, uid(1), undefined, ['clone0']);
      await assertRow(cluster, t, uid(2), station(2, 'S1', 'clone'), ['clone0']);
      await assertRow(cluster, t, uid(2), undefined, ['central', 'clone1']);
      const quarantine = (r: ConflictRecord) => [
        nodeName(cluster, r.nodeId),
        r.kind,
        r.winner,
        r.outcome,
        r.sqlstate,
        (r.incoming as { op: string }).op,
      ];
      const [onCentral] = await conflictRecords(cluster, t, uid(2));
      assert.deepEqual(quarantine(onCentral!), ['central', 'unique_violation', 'none', 'pending', '23505', 'I']);
      const [onClone] = await conflictRecords(cluster, t, uid(1));
      assert.deepEqual(quarantine(onClone!), ['clone0', 'unique_violation', 'none', 'pending', '23505', 'I']);
      assert.equal((await cluster.conflicts()).length, 2);

      // No endless loop: later syncs ship nothing and record nothing new.
      for (const i of [0, 1, 0, 0]) {
        const again = await cluster.sync(i);
        assert.deepEqual(
          [again.toClone.changes, again.toCentral.changes, again.pingBack.changes, again.conflicts],
          [0, 0, 0, 0],
          `sync of clone${i}`,
        );
      }
      assert.equal((await cluster.conflicts()).length, 2);

      // A later edit of the quarantined row waits behind it on the central.
      await cluster.clones[0]!.query(`UPDATE ${t} SET name = 'clone, edited' WHERE uid = $1`, [uid(2)]);
      const held = await cluster.sync(0);
      assert.deepEqual([held.toCentral.changes, held.toCentral.applied, held.quarantined], [1, 0, 1]);
      await assertRow(cluster, t, uid(2), undefined, ['central']);
      const waiting = (await conflictRecords(cluster, t, uid(2))).filter((r) => r.id !== onCentral!.id);
      assert.deepEqual(
        waiting.map((r) => [nodeName(cluster, r.nodeId), r.kind, r.outcome, r.message]),
        [['central', 'unique_violation', 'pending', `held back behind pending conflict ${onCentral!.id}`]],
      );

      // Keep the central: the clone's duplicate disappears everywhere...
      await resolve(cluster, onCentral!.id, 'central');
      await syncAll(cluster);
      await assertRow(cluster, t, uid(2), undefined);
      assert.deepEqual(
        (await conflictRecords(cluster, t, uid(2))).map((r) => r.outcome),
        ['resolved', 'resolved'],
        'the held-back edit is closed with it',
      );
      // ...and the central's S1, held out of the clone, is let in by resolving that side too.
      await resolve(cluster, onClone!.id, 'central');
      await syncAll(cluster);
      await assertTable(cluster, t, [
        station(1, 'S1', 'central'),
        station(3, 'S2', 'other'),
        station(9, 'S9', 'edited'),
      ]);
      assert.equal(await pendingCount(cluster), 0);
      await assertConverged(cluster);
    },
  );
});

test('§6.13 a business key freed by a delete and taken by another uid in the same window: applied, no quarantine', async () => {
  await withCluster(
    {
      setupSql: `CREATE SCHEMA field;
        CREATE TABLE field.station (id serial PRIMARY KEY, code text NOT NULL UNIQUE, name text);`,
      seedSql: `INSERT INTO field.station (uid, code, name) VALUES ('${uid(8)}', 'S8', 'old'), ('${uid(9)}', 'S9', 'old');`,
    },
    async (cluster) => {
      // A station replaced by a new row with the same code, on the central and on a clone.
      await cluster.central.query(`DELETE FROM field.station WHERE uid = $1`, [uid(9)]);
      await cluster.central.query(`INSERT INTO field.station (uid, code, name) VALUES ($1, 'S9', 'new')`, [uid(4)]);
      await cluster.clones[0]!.query(`DELETE FROM field.station WHERE uid = $1`, [uid(8)]);
      await cluster.clones[0]!.query(`INSERT INTO field.station (uid, code, name) VALUES ($1, 'S8', 'new')`, [uid(5)]);
      const report = await cluster.sync(0);
      assert.deepEqual([report.quarantined, report.conflicts], [0, 0]);
      await syncAll(cluster);
      await assertTable(cluster, 'field.station', [
        { uid: uid(4), code: 'S9', name: 'new' },
        { uid: uid(5), code: 'S8', name: 'new' },
      ]);
      assert.deepEqual(await cluster.conflicts(), []);
      await assertConverged(cluster);
    },
  );
});

interface SequenceState {
  node: string;
  seq: string;
  last: string | null;
}

test('§6.14 serial and identity keys stay local: never shipped, no PK clash, sequences never go backwards', async () => {
  await withCluster(
    {
      setupSql: `CREATE SCHEMA field;
        CREATE TABLE field.obs_serial (id serial PRIMARY KEY, label text);
        CREATE TABLE field.obs_identity (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, label text);`,
      seedSql: `INSERT INTO field.obs_serial (label) SELECT 'seed' || n FROM generate_series(1, 3) n;
        INSERT INTO field.obs_identity (label) SELECT 'seed' || n FROM generate_series(1, 3) n;`,
    },
    async (cluster) => {
      const tables = ['field.obs_serial', 'field.obs_identity'];
      const sequences = async (): Promise<SequenceState[]> => {
        const out: SequenceState[] = [];
        for (const [node, db] of nodesOf(cluster)) {
          const rows = await db.query<{ seq: string; last: string | null }>(
            `SELECT sequencename AS seq, last_value::text AS last FROM pg_sequences WHERE schemaname = 'field' ORDER BY 1`,
          );
          out.push(...rows.map((r) => ({ node, ...r })));
        }
        return out;
      };
      const inserts: [SyncNodeDatabase, string[]][] = [
        [cluster.central, ['c1', 'c2']],
        [cluster.clones[0]!, ['k0a', 'k0b']],
        [cluster.clones[1]!, ['k1a']],
      ];
      for (const [node, labels] of inserts) {
        for (const t of tables) {
          for (const label of labels) await node.query(`INSERT INTO ${t} (label) VALUES ($1)`, [label]);
        }
      }
      // the change log holds no local key
      for (const [name, node] of nodesOf(cluster)) {
        const logged = await node.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM geosync_dbsync.change WHERE new_vals ? 'id' OR old_vals ? 'id'`,
        );
        assert.equal(logged[0]!.n, 0, `no id logged on ${name}`);
      }

      let before = await sequences();
      for (const i of [0, 1, 0, 1]) {
        await cluster.sync(i);
        const now = await sequences();
        for (const [k, s] of now.entries()) {
          assert.ok(BigInt(s.last ?? 0) >= BigInt(before[k]!.last ?? 0), `${s.seq} on ${s.node} went backwards`);
        }
        before = now;
      }

      const labels = ['c1', 'c2', 'k0a', 'k0b', 'k1a', 'seed1', 'seed2', 'seed3'];
      for (const t of tables) {
        const central = await cluster.rows(cluster.central, t);
        assert.deepEqual(central.map((r) => r.label).sort(), labels);
        assert.ok(
          central.every((r) => !('id' in r)),
          'id is not a shipped column',
        );
        for (const [name, node] of nodesOf(cluster)) {
          assert.deepEqual(await cluster.rows(node, t), central, `${t} on ${name}`);
          const keys = await node.query<{ n: number; distinct: number; max: number; last: string }>(
            `SELECT count(*)::int AS n, count(DISTINCT id)::int AS distinct, max(id) AS max,
                    (SELECT last_value::text FROM pg_sequences WHERE schemaname = 'field'
                      AND sequencename = $1) AS last FROM ${t}`,
            [t === 'field.obs_serial' ? 'obs_serial_id_seq' : 'obs_identity_id_seq'],
          );
          assert.deepEqual([keys[0]!.n, keys[0]!.distinct], [8, 8], `${t} ids unique on ${name}`);
          assert.ok(BigInt(keys[0]!.last) >= BigInt(keys[0]!.max), `${t} sequence ahead of its ids on ${name}`);
          // the next local insert takes a fresh key
          await node.query(`INSERT INTO ${t} (label) VALUES ($1)`, [`after-${name}`]);
        }
      }
      await syncAll(cluster);
      for (const t of tables) assert.equal((await cluster.rows(cluster.central, t)).length, 11);
      assert.deepEqual(await cluster.conflicts(), []);
      await assertConverged(cluster);
    },
  );
});

test('§6.15 a business key computed by a central trigger (zid) comes back to the clone in the same sync', async () => {
  await withCluster(
    {
      setupSql: `CREATE SCHEMA field;
        CREATE TABLE field.feature (id serial PRIMARY KEY, name text, zid text);`,
    },
    async (cluster) => {
      // Only the central numbers features (the clones were deployed before the trigger existed).
      await cluster.central.query(`
        CREATE SEQUENCE field.zid_seq START 100;
        CREATE FUNCTION field.set_zid() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.zid IS NULL THEN NEW.zid := 'Z' || nextval('field.zid_seq'); END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER feature_zid BEFORE INSERT ON field.feature FOR EACH ROW EXECUTE FUNCTION field.set_zid();`);
      const feature = (n: number, name: string, zid: string | null) => ({ uid: uid(n), name, zid });
      await cluster.clones[0]!.query(`INSERT INTO field.feature (uid, name) VALUES ($1, 'from clone')`, [uid(1)]);
      await cluster.clones[0]!.query(`INSERT INTO field.feature (uid, name, zid) VALUES ($1, 'given', 'ZX')`, [uid(2)]);
      await assertRow(cluster, 'field.feature', uid(1), feature(1, 'from clone', null), ['clone0']);

      const report = await cluster.sync(0);
      assert.equal(report.pingBack.changes, 1, 'only the computed value comes back');
      await assertRow(cluster, 'field.feature', uid(1), feature(1, 'from clone', 'Z100'), ['central', 'clone0']);
      await assertRow(cluster, 'field.feature', uid(2), feature(2, 'given', 'ZX'), ['central', 'clone0']);
      assert.equal((await cluster.verify(0)).equal, true);

      await cluster.central.query(`INSERT INTO field.feature (uid, name) VALUES ($1, 'from central')`, [uid(3)]);
      await syncAll(cluster);
      await assertTable(cluster, 'field.feature', [
        feature(1, 'from clone', 'Z100'),
        feature(2, 'given', 'ZX'),
        feature(3, 'from central', 'Z101'),
      ]);
      assert.deepEqual(await cluster.conflicts(), []);
      await assertConverged(cluster);
    },
  );
});

test('§6.16 parent and child inserted in one clone transaction: applied parents first, deletes children first', async () => {
  await withCluster(
    {
      // Named so that alphabetical order would put the children first.
      setupSql: `CREATE SCHEMA field;
        CREATE TABLE field.z_zone (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE, name text);
        CREATE TABLE field.a_plot (id serial PRIMARY KEY, zone_uid uuid NOT NULL REFERENCES field.z_zone (uid), name text);
        CREATE TABLE field.b_point (id serial PRIMARY KEY, name text,
          zone_uid uuid NOT NULL REFERENCES field.z_zone (uid) DEFERRABLE INITIALLY DEFERRED);`,
    },
    async (cluster) => {
      const clone = cluster.clones[0]!;
      const client = await clone.pool.connect();
      try {
        await client.query('BEGIN');
        // the deferrable child first, then its parent, then the other child
        await client.query(`INSERT INTO field.b_point (uid, zone_uid, name) VALUES ($1, $2, 'q1')`, [uid(21), uid(1)]);
        await client.query(`INSERT INTO field.z_zone (uid, name) VALUES ($1, 'z1')`, [uid(1)]);
        await client.query(`INSERT INTO field.a_plot (uid, zone_uid, name) VALUES ($1, $2, 'p1')`, [uid(11), uid(1)]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const report = await cluster.sync(0);
      assert.deepEqual([report.toCentral.changes, report.toCentral.applied, report.quarantined], [3, 3, 0]);
      await cluster.sync(1);
      await assertTable(cluster, 'field.z_zone', [{ uid: uid(1), name: 'z1' }]);
      await assertTable(cluster, 'field.a_plot', [{ uid: uid(11), zone_uid: uid(1), name: 'p1' }]);
      await assertTable(cluster, 'field.b_point', [{ uid: uid(21), zone_uid: uid(1), name: 'q1' }]);

      // The reverse: parent deleted before its children in one transaction (deferred FK).
      const second = await clone.pool.connect();
      try {
        await second.query('BEGIN');
        await second.query(`DELETE FROM field.a_plot WHERE uid = $1`, [uid(11)]);
        await second.query(`DELETE FROM field.z_zone WHERE uid = $1`, [uid(1)]);
        await second.query(`DELETE FROM field.b_point WHERE uid = $1`, [uid(21)]);
        await second.query('COMMIT');
      } finally {
        second.release();
      }
      const removal = await cluster.sync(0);
      assert.deepEqual([removal.toCentral.changes, removal.quarantined], [3, 0]);
      await syncAll(cluster);
      for (const t of ['field.z_zone', 'field.a_plot', 'field.b_point']) await assertTable(cluster, t, []);
      assert.deepEqual(await cluster.conflicts(), []);
      await assertConverged(cluster);
    },
  );
});
