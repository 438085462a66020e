/**
 * §6 scenarios 28-31 (schema change) on real PostGIS databases: DDL run through migrateCentral
 * is replayed by each clone at its next sync, before any batch; DDL run behind the sync's back
 * stops the sync (dbsync_schema_drift). Each test gets a central and two clones of its own, since
 * schema versions only go up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isGeosyncError } from '../../src/errors/errors.ts';
import { migrateCentral } from '../../src/domain/dbsync/schema-change.ts';
import { readMeta } from '../../src/domain/dbsync/structures.ts';
import { type SyncNode, transfer } from '../../src/domain/dbsync/transfer.ts';
import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';

const signal = () => AbortSignal.timeout(120_000);

async function withCluster(fn: (c: SyncCluster) => Promise<void>): Promise<void> {
  const c = await createSyncCluster({
    setupSql: `CREATE SCHEMA field;
      CREATE TABLE field.site (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        name text NOT NULL, h numeric, geom geometry(Point, 2154));`,
    schemas: ['field'],
    seedSql: `INSERT INTO field.site (name, h, geom)
      SELECT 'r' || i, i, ST_SetSRID(ST_MakePoint(i, i), 2154) FROM generate_series(1, 4) i`,
  });
  try {
    await fn(c);
  } finally {
    await c.close();
  }
}

const migrate = (c: SyncCluster, statements: string[], schemas?: string[]) =>
  migrateCentral(c.central.db, {
    statements,
    description: statements.join('; '),
    signal: signal(),
    ...(schemas && { schemas }),
  });

async function one<R>(node: SyncNodeDatabase, sql: string, params: unknown[] = []): Promise<R> {
  const rows = await node.query<R>(sql, params);
  assert.equal(rows.length, 1, `one row from: ${sql}`);
  return rows[0]!;
}

async function schemaVersion(node: SyncNodeDatabase): Promise<number> {
  return (await one<{ v: number }>(node, 'SELECT schema_version AS v FROM geosync_dbsync.meta')).v;
}

async function columnsOf(node: SyncNodeDatabase, table = 'field.site'): Promise<string[]> {
  const rows = await node.query<{ c: string }>(
    `SELECT attname::text AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  return rows.map((r) => r.c);
}

/** Every clone equal to the central (by uid and row hash), via verify and the rows themselves. */
async function assertConverged(c: SyncCluster, table = 'field.site'): Promise<void> {
  for (const [i, clone] of c.clones.entries()) {
    const report = await c.verify(i);
    assert.equal(report.equal, true, `clone ${i}: ${JSON.stringify(report.tables)}`);
    assert.deepEqual(await c.rows(clone, table), await c.rows(c.central, table), `clone ${i}: ${table}`);
  }
}

const syncAll = async (c: SyncCluster) => {
  for (const i of [0, 1, 0]) await c.sync(i);
};

test('§6.28 a nullable column added while clones hold unsynced edits: they replay it, send their edits, get its values', async () => {
  await withCluster(async (c) => {
    const [k0, k1] = c.clones as [SyncNodeDatabase, SyncNodeDatabase];
    await k0.query(`UPDATE field.site SET name = 'k0 edit' WHERE name = 'r1'`);
    await k0.query(`INSERT INTO field.site (name, h) VALUES ('k0 new', 10)`);
    await k1.query(`UPDATE field.site SET h = 22 WHERE name = 'r2'`);
    const migrated = await migrate(c, ['ALTER TABLE field.site ADD COLUMN note text']);
    assert.deepEqual(migrated, { schemaVersion: 2, newTables: [] });
    await c.central.query(`UPDATE field.site SET note = 'n3' WHERE name = 'r3'`);
    await c.central.query(`INSERT INTO field.site (name, note) VALUES ('c new', 'cn')`);

    const report = await c.sync(0);
    assert.equal(report.schemaMigrationsApplied, 1);
    assert.equal(report.toCentral.changes, 2, 'the edits made on version 1 are sent');
    assert.equal(await schemaVersion(k0), 2);
    assert.deepEqual(await columnsOf(k0), await columnsOf(c.central));
    assert.deepEqual(
      await one(c.central, `SELECT count(*)::int AS n FROM field.site WHERE name IN ('k0 edit', 'k0 new')`),
      {
        n: 2,
      },
    );
    assert.deepEqual(await one(k0, `SELECT note FROM field.site WHERE name = 'r3'`), { note: 'n3' });
    await k0.query(`UPDATE field.site SET note = 'from clone 0' WHERE name = 'k0 edit'`);
    await syncAll(c);
    assert.deepEqual(await one(c.central, `SELECT h::int FROM field.site WHERE name = 'r2'`), { h: 22 });
    assert.deepEqual(await one(k1, `SELECT note FROM field.site WHERE name = 'k0 edit'`), { note: 'from clone 0' });
    await assertConverged(c);
    assert.deepEqual(await c.conflicts(), []);
  });
});

test('§6.29 a NOT NULL column with a default: rows a clone inserted before it arrive with the default', async () => {
  await withCluster(async (c) => {
    const k0 = c.clones[0]!;
    await k0.query(`INSERT INTO field.site (name, h) VALUES ('k0 before', 1)`);
    await k0.query(`UPDATE field.site SET h = 11 WHERE name = 'r1'`);
    await migrate(c, [`ALTER TABLE field.site ADD COLUMN status text NOT NULL DEFAULT 'new'`]);
    await c.central.query(`UPDATE field.site SET status = 'done' WHERE name = 'r2'`);
    await c.central.query(`INSERT INTO field.site (name) VALUES ('c after')`);
    const report = await c.sync(0);
    assert.equal(report.quarantined, 0, 'nothing held back');
    await syncAll(c);
    const statuses = await c.central.query<{ name: string; status: string }>(
      `SELECT name, status FROM field.site ORDER BY name`,
    );
    assert.deepEqual(statuses, [
      { name: 'c after', status: 'new' },
      { name: 'k0 before', status: 'new' },
      { name: 'r1', status: 'new' },
      { name: 'r2', status: 'done' },
      { name: 'r3', status: 'new' },
      { name: 'r4', status: 'new' },
    ]);
    await assertConverged(c);
    assert.deepEqual(await c.conflicts(), []);
  });
});

test('§6.29 a dropped column: clone edits to it become schema_mismatch conflicts holding the value, never silent', async () => {
  await withCluster(async (c) => {
    const k0 = c.clones[0]!;
    await k0.query(`UPDATE field.site SET h = 99, name = 'r1 renamed by clone 0' WHERE name = 'r1'`);
    await migrate(c, ['ALTER TABLE field.site DROP COLUMN h']);
    const report = await c.sync(0);
    assert.equal(report.schemaMigrationsApplied, 1);
    assert.ok(!(await columnsOf(k0)).includes('h'));
    assert.deepEqual(
      await one(c.central, `SELECT count(*)::int AS n FROM field.site WHERE name = 'r1 renamed by clone 0'`),
      {
        n: 1,
      },
    );
    const [uid] = await c.central.query<{ uid: string }>(
      `SELECT uid::text FROM field.site WHERE name = 'r1 renamed by clone 0'`,
    );
    const mismatches = (await c.conflicts()).filter((x) => x.kind === 'schema_mismatch');
    assert.equal(mismatches.length, 1, JSON.stringify(mismatches));
    assert.equal(mismatches[0]!.column, 'h');
    assert.equal(mismatches[0]!.rowUid, uid!.uid);
    assert.equal(mismatches[0]!.outcome, 'pending');
    assert.deepEqual((mismatches[0]!.incoming as { value: unknown }).value, 99);
    await syncAll(c);
    await assertConverged(c);
  });
});

test('§6.29 a renamed column: values in flight are not lost and the nodes converge', async () => {
  await withCluster(async (c) => {
    const k0 = c.clones[0]!;
    await k0.query(`UPDATE field.site SET name = 'clone 0 in flight' WHERE name = 'r1'`);
    await c.central.query(`UPDATE field.site SET name = 'central in flight' WHERE name = 'r2'`);
    await migrate(c, ['ALTER TABLE field.site RENAME COLUMN name TO label']);
    await syncAll(c);
    assert.ok((await columnsOf(k0)).includes('label'));
    // Defined today (0002_window_and_apply.sql, apply_stage): a change from before the rename
    // names a column the receiver no longer has, so it becomes a pending schema_mismatch
    // conflict holding the value. Decision 0014 promises translated renames; either way no value
    // may vanish silently, and the nodes must end equal.
    const labels = async (node: SyncNodeDatabase) =>
      (await node.query<{ label: string }>(`SELECT label FROM field.site ORDER BY label`)).map((r) => r.label);
    const mismatched = (await c.conflicts())
      .filter((x) => x.kind === 'schema_mismatch')
      .map((x) => (x.incoming as { value: unknown }).value);
    for (const value of ['clone 0 in flight', 'central in flight']) {
      const applied = (await labels(c.central)).includes(value) && (await labels(k0)).includes(value);
      assert.ok(applied || mismatched.includes(value), `${value}: applied under the new name, or recorded`);
    }
    await assertConverged(c);
  });
});

test('§6.30 a table created through migrate joins the sync: clones get it and its rows without a redeploy', async () => {
  await withCluster(async (c) => {
    const migrated = await migrate(
      c,
      [
        'CREATE SCHEMA survey',
        `CREATE TABLE survey.plot (id serial PRIMARY KEY, site_uid uuid REFERENCES field.site (uid), code text NOT NULL,
           area numeric, geom geometry(Polygon, 2154))`,
      ],
      ['survey'],
    );
    assert.deepEqual(migrated.newTables, ['survey.plot']);
    await c.central.query(`INSERT INTO survey.plot (site_uid, code, area, geom)
      SELECT uid, 'p-' || name, h * 1.5, ST_Buffer(geom, 1)::geometry(Polygon, 2154) FROM field.site`);
    await c.clones[0]!.query(`INSERT INTO field.site (name) VALUES ('k0 new site')`);
    const report = await c.sync(0);
    assert.equal(report.schemaMigrationsApplied, 1);
    await c.clones[0]!.query(`INSERT INTO survey.plot (code) VALUES ('from clone 0')`);
    await syncAll(c);
    const [n] = await c.clones[1]!.query<{ n: number }>('SELECT count(*)::int AS n FROM survey.plot');
    assert.equal(n!.n, 5);
    await assertConverged(c, 'survey.plot');
    await assertConverged(c);
    assert.deepEqual(await c.conflicts(), []);
  });
});

test('§6.30 a table already on the central, with rows, joins the sync: its rows reach the clones as inserts', async () => {
  await withCluster(async (c) => {
    await c.central.query(`CREATE TABLE field.species (code text PRIMARY KEY, label text NOT NULL);
      INSERT INTO field.species VALUES ('qr', 'Quercus robur'), ('fs', 'Fagus sylvatica'), ('pa', 'Picea abies')`);
    // Behind the sync's back so far, but a table no synced_table row names is no drift.
    await migrate(c, ['CREATE TABLE IF NOT EXISTS field.species (code text PRIMARY KEY, label text NOT NULL)']);
    await syncAll(c);
    await assertConverged(c, 'field.species');
    const [row] = await c.clones[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM field.species');
    assert.equal(row!.n, 3);
  });
});

test('§6.30 a migration that creates a table and seeds it: clones end with the same rows, or migrate refuses', async () => {
  await withCluster(async (c) => {
    const seeded = await migrate(c, [
      'CREATE TABLE field.kind (id serial PRIMARY KEY, code text NOT NULL UNIQUE, label text)',
      `INSERT INTO field.kind (code, label) VALUES ('a', 'Alpha'), ('b', 'Beta')`,
    ]).catch((error: unknown) => error);
    if (isGeosyncError(seeded)) {
      // Refusing data statements up front is a right answer too: nothing changed.
      assert.equal(await schemaVersion(c.central), 1);
      assert.deepEqual(await c.central.query(`SELECT to_regclass('field.kind') AS t`), [{ t: null }]);
      return;
    }
    assert.ok(!(seeded instanceof Error), String(seeded));
    await syncAll(c);
    assert.deepEqual(
      (await c.conflicts()).map((x) => `${x.kind} ${x.message}`),
      [],
    );
    await assertConverged(c, 'field.kind');
  });
});

test('§6.28-31 DDL run outside migrate stops the sync with dbsync_schema_drift, on either side; undone, the sync goes on', async () => {
  await withCluster(async (c) => {
    const k0 = c.clones[0]!;
    await k0.query(`UPDATE field.site SET h = 7 WHERE name = 'r1'`);
    await c.central.query('ALTER TABLE field.site ADD COLUMN secret text');
    const drift = { code: 'dbsync_schema_drift', status: 409 };
    await assert.rejects(c.sync(0), { ...drift, message: /field\.site on the central/ });
    await assert.rejects(migrate(c, ['ALTER TABLE field.site ADD COLUMN other text']), drift);
    const [run] = await c.central.query<{ outcome: string; error_code: string }>(
      'SELECT outcome, error_code FROM geosync_dbsync.sync_run ORDER BY id DESC LIMIT 1',
    );
    assert.deepEqual(run, { outcome: 'failed', error_code: 'dbsync_schema_drift' });
    await c.central.query('ALTER TABLE field.site DROP COLUMN secret');
    await c.sync(0);
    assert.deepEqual(await one(c.central, `SELECT h::int FROM field.site WHERE name = 'r1'`), { h: 7 });

    await k0.query('ALTER TABLE field.site ALTER COLUMN h TYPE double precision');
    await k0.query(`UPDATE field.site SET h = 8 WHERE name = 'r1'`);
    await assert.rejects(c.sync(0), { ...drift, message: /field\.site on the clone/ });
    await k0.query('ALTER TABLE field.site ALTER COLUMN h TYPE numeric');
    await c.sync(0);
    assert.deepEqual(await one(c.central, `SELECT h::int FROM field.site WHERE name = 'r1'`), { h: 8 });
    await syncAll(c);
    await assertConverged(c);
  });
});

test('§6.31 a clone two schema versions behind pushes: it replays both, then its changes are accepted', async () => {
  await withCluster(async (c) => {
    const k0 = c.clones[0]!;
    await k0.query(`UPDATE field.site SET name = 'r1 from v1', h = 1.25 WHERE name = 'r1'`);
    await k0.query(`DELETE FROM field.site WHERE name = 'r2'`);
    await k0.query(`INSERT INTO field.site (name, h) VALUES ('k0 v1 insert', 3)`);
    await migrate(c, ['ALTER TABLE field.site ADD COLUMN note text']);
    await migrate(c, [
      `ALTER TABLE field.site ADD COLUMN tag text DEFAULT 't'`,
      'CREATE INDEX site_tag ON field.site (tag)',
    ]);
    await c.central.query(`UPDATE field.site SET note = 'central v3', tag = 'x' WHERE name = 'r3'`);
    const report = await c.sync(0);
    assert.equal(report.schemaMigrationsApplied, 2);
    assert.equal(await schemaVersion(k0), 3);
    assert.equal(report.toCentral.changes, 3);
    assert.deepEqual(
      (await c.central.query<{ name: string }>(`SELECT name FROM field.site ORDER BY name`)).map((r) => r.name),
      ['k0 v1 insert', 'r1 from v1', 'r3', 'r4'],
    );
    await syncAll(c);
    await assertConverged(c);
    assert.deepEqual(await c.conflicts(), []);
  });
});

test('§6.31 a clone that cannot replay a migration gets dbsync_schema_outdated; its changes stay queued until fixed', async () => {
  await withCluster(async (c) => {
    const k0 = c.clones[0]!;
    await k0.query(`INSERT INTO field.site (name) VALUES ('queued on clone 0')`);
    await k0.query('CREATE INDEX site_name ON field.site (name)'); // a local index: no drift, but in the way
    await migrate(c, ['CREATE INDEX site_name ON field.site (name)']);
    await assert.rejects(c.sync(0), {
      code: 'dbsync_schema_outdated',
      status: 409,
      message: /schema version 1 and could not replay version 2/,
    });
    assert.equal(await schemaVersion(k0), 1);
    const [queued] = await k0.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM geosync_dbsync.change c JOIN field.site s ON s.uid = c.row_uid WHERE s.name = 'queued on clone 0'`,
    );
    assert.equal(queued!.n, 1, 'the change is still in the clone log');
    assert.deepEqual(await c.central.query(`SELECT 1 FROM field.site WHERE name = 'queued on clone 0'`), []);
    const [run] = await c.central.query<{ error_code: string }>(
      'SELECT error_code FROM geosync_dbsync.sync_run ORDER BY id DESC LIMIT 1',
    );
    assert.equal(run!.error_code, 'dbsync_schema_outdated');
    await k0.query('DROP INDEX field.site_name');
    const report = await c.sync(0);
    assert.equal(report.schemaMigrationsApplied, 1);
    assert.equal(report.toCentral.changes, 1);
    await syncAll(c);
    await assertConverged(c);
  });
});

test('§6.31 a batch of a newer schema reaching a clone that has not replayed it is refused whole with dbsync_schema_outdated', async () => {
  await withCluster(async (c) => {
    const k0 = c.clones[0]!;
    await migrate(c, ['ALTER TABLE field.site ADD COLUMN note text']);
    await c.central.query(`UPDATE field.site SET note = 'v2 value' WHERE name IN ('r1', 'r2')`);
    await c.central.query(`UPDATE field.site SET h = 5 WHERE name = 'r3'`);
    const node = async (n: SyncNodeDatabase, label: SyncNode['label']): Promise<SyncNode> => {
      const meta = await n.db.withSession(readMeta, signal());
      assert.ok(typeof meta !== 'string');
      return { db: n.db, meta, label };
    };
    const before = await c.rows(k0, 'field.site');
    const inbound = await k0.query('SELECT cursor::text, window_xmin::text FROM geosync_dbsync.inbound');
    // Straight to the transfer, skipping the replay sync() does first (an old geosync, say).
    await assert.rejects(
      transfer(await node(c.central, 'central'), await node(k0, 'clone'), { batchChanges: 100, signal: signal() }),
      { code: 'dbsync_schema_outdated', message: /column note of field\.site is not synced on this node/ },
    );
    assert.deepEqual(await c.rows(k0, 'field.site'), before, 'nothing of the batch applied');
    assert.deepEqual(await k0.query('SELECT cursor::text, window_xmin::text FROM geosync_dbsync.inbound'), inbound);
    await syncAll(c);
    await assertConverged(c);
  });
});
