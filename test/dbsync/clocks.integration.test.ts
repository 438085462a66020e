/**
 * §6 scenarios 24-27 (clocks and ordering) on real PostGIS databases. Skew is the database
 * setting `geosync_dbsync.clock_offset_ms` the HLC reads (new sessions see it, so the nodes'
 * sessions are ended after it changes); each skew case gets a cluster of its own, since an HLC
 * never goes back. The documented rule (decision 0014): a column's concurrent writes are ordered
 * by (hlc, node id); the HLC is never below the wall clock, never goes back, and is raised to the
 * largest clock a node receives, so a write made after seeing another is ordered after it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { ConflictRecord } from '../../src/domain/dbsync/conflicts.ts';
import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres.ts';

const TWO_HOURS_MS = 2 * 3600 * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const newCluster = () =>
  createSyncCluster({
    setupSql: `CREATE SCHEMA field;
      CREATE TABLE field.site (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        name text NOT NULL UNIQUE, label text, n integer);`,
    schemas: ['field'],
    seedSql: `INSERT INTO field.site (name, label) SELECT 'r' || i, 'base' FROM generate_series(1, 6) i`,
  });

/**
 * Sets a database setting of `node` the way a device's own configuration would be, then ends the
 * sessions open on it (the test pool's and the connector's), which reconnect with it.
 */
async function setDatabaseSetting(c: SyncCluster, node: SyncNodeDatabase, name: string, value: string): Promise<void> {
  const [statement] = await node.query<{ sql: string }>(
    `SELECT format('ALTER DATABASE %I SET %s = %L', $1::text, $2::text, $3::text) AS sql`,
    [node.name, name, value],
  );
  await node.query(statement!.sql);
  const other = node === c.central ? c.clones[0]! : c.central;
  await other.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [node.name]);
  const probe = `SELECT current_setting('${name}', true) AS v`;
  for (let i = 0; ; i++) {
    await sleep(50);
    try {
      const viaPool = await node.query<{ v: string }>(probe);
      const viaConnector = await node.db.withSession((s) => s.query<{ v: string }>(probe), AbortSignal.timeout(5000));
      if (viaPool[0]!.v === value && viaConnector.rows[0]!.v === value) return;
    } catch (error) {
      if (i > 40) throw error; // a pooled session ended under us: the next try gets a new one
    }
    if (i > 40) throw new Error(`${name} did not reach the sessions of ${node.name}`);
  }
}

const setClockOffset = (c: SyncCluster, node: SyncNodeDatabase, ms: number) =>
  setDatabaseSetting(c, node, 'geosync_dbsync.clock_offset_ms', String(ms));

type Clock = [number, string];

/** The clock a node holds for a column of a row (what LWW compares). */
async function clockOf(node: SyncNodeDatabase, name: string, column = 'label'): Promise<Clock> {
  const rows = await node.query<{ c: Clock }>(
    `SELECT rc.clocks->$2 AS c FROM geosync_dbsync.row_clock rc JOIN field.site s ON s.uid = rc.row_uid WHERE s.name = $1`,
    [name, column],
  );
  assert.ok(rows[0]?.c, `${name}.${column} has a clock`);
  return rows[0].c;
}

async function hlcOf(node: SyncNodeDatabase): Promise<number> {
  const [row] = await node.query<{ v: string }>('SELECT last_value::text AS v FROM geosync_dbsync.hlc');
  return Number(row!.v);
}

async function labelOf(node: SyncNodeDatabase, name: string): Promise<string | null> {
  const rows = await node.query<{ label: string | null }>('SELECT label FROM field.site WHERE name = $1', [name]);
  assert.equal(rows.length, 1, `${name} exists once`);
  return rows[0]!.label;
}

const setLabel = (node: SyncNodeDatabase, name: string, label: string) =>
  node.query('UPDATE field.site SET label = $2 WHERE name = $1', [name, label]);

async function assertEverywhere(c: SyncCluster, name: string, label: string): Promise<void> {
  for (const [i, node] of [c.central, ...c.clones].entries()) {
    assert.equal(await labelOf(node, name), label, `${name} on node ${i} (0 = central)`);
  }
}

/**
 * The conflicts recorded for a row: one per node that met it (the central, and the clone whose
 * record it pushed), each telling the same story as `expected`.
 */
async function assertRecorded(c: SyncCluster, name: string, expected: Partial<ConflictRecord>): Promise<void> {
  const [row] = await c.central.query<{ uid: string }>('SELECT uid::text FROM field.site WHERE name = $1', [name]);
  const found = (await c.conflicts()).filter((x) => x.rowUid === row!.uid);
  assert.ok(found.length >= 1 && found.length <= 2, `${name}: ${found.length} conflict records`);
  assert.equal(new Set(found.map((x) => x.nodeId)).size, found.length, 'at most one record per node');
  for (const record of found) {
    const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, record[k as keyof ConflictRecord]]));
    assert.deepEqual(picked, expected, `${name}: conflict recorded by ${record.nodeId}`);
  }
}

async function assertVerified(c: SyncCluster): Promise<void> {
  for (const i of c.clones.keys()) {
    const report = await c.verify(i);
    assert.equal(report.equal, true, `clone ${i}: ${JSON.stringify(report.tables)}`);
  }
}

describe('§6.24 a clone whose clock is 2 h ahead', () => {
  let c: SyncCluster;
  before(async () => {
    c = await newCluster();
    await setClockOffset(c, c.clones[0]!, TWO_HOURS_MS);
  });
  after(() => c?.close());

  test('concurrent edits follow (hlc, node): the clone ahead wins, the loss is recorded, the skew is reported', async () => {
    await setLabel(c.clones[0]!, 'r1', 'ahead');
    await sleep(20);
    await setLabel(c.central, 'r1', 'central, later');
    const [ahead, central] = [await clockOf(c.clones[0]!, 'r1'), await clockOf(c.central, 'r1')];
    assert.ok(ahead[0] - central[0] > (TWO_HOURS_MS - 60_000) * 1000, 'the clone stamped its earlier edit 2 h later');
    const report = await c.sync(0);
    assert.ok(Math.abs(report.clockOffsetMs - TWO_HOURS_MS) < 60_000, `offset ${report.clockOffsetMs}`);
    assert.match(report.warnings.join('\n'), /clock is 7\d{3} s off/);
    const [run] = await c.central.query<{ ms: string }>(
      'SELECT clock_offset_ms::text AS ms FROM geosync_dbsync.sync_run ORDER BY id DESC LIMIT 1',
    );
    assert.ok(Math.abs(Number(run!.ms) - TWO_HOURS_MS) < 60_000, 'the run history keeps the offset');
    assert.equal(await labelOf(c.central, 'r1'), 'ahead');
    assert.equal(await labelOf(c.clones[0]!, 'r1'), 'ahead');
    await assertRecorded(c, 'r1', {
      kind: 'update_update',
      column: 'label',
      rule: 'lww',
      winner: 'clone',
      central: 'central, later',
      clone: 'ahead',
      base: 'base',
    });
  });

  test('what it sent raises the central clock: a later central edit is ordered after it, and the clone takes it', async () => {
    const ahead = await clockOf(c.central, 'r1');
    assert.ok((await hlcOf(c.central)) >= ahead[0], 'the central HLC was raised to the clock it received');
    await setLabel(c.central, 'r1', 'central, after seeing it');
    const after = await clockOf(c.central, 'r1');
    assert.ok(after[0] > ahead[0], 'ordered after the skewed edit although the central wall clock is 2 h behind');
    await c.sync(1);
    assert.ok((await hlcOf(c.clones[1]!)) >= after[0], 'the other clone is raised too');
    await c.sync(0);
    await assertEverywhere(c, 'r1', 'central, after seeing it');
    // The other clone edits after receiving it: no node lets the skewed clone's value come back.
    await setLabel(c.clones[1]!, 'r1', 'clone 1, later still');
    await c.sync(1);
    await c.sync(0);
    await c.sync(1);
    await assertEverywhere(c, 'r1', 'clone 1, later still');
    await assertRecorded(c, 'r1', { kind: 'update_update', clone: 'ahead' }); // only the first, concurrent pair
    await assertVerified(c);
  });
});

describe('§6.24 a clone whose clock is 2 h behind', () => {
  let c: SyncCluster;
  before(async () => {
    c = await newCluster();
    await setClockOffset(c, c.clones[0]!, -TWO_HOURS_MS);
  });
  after(() => c?.close());

  test('its edit made after receiving a change beats an older concurrent edit, as the HLC rule says', async () => {
    const [behind, other] = [c.clones[0]!, c.clones[1]!];
    await setLabel(other, 'r2', 'clone 1, first'); // not synced yet: concurrent with all that follows
    await sleep(20);
    await setLabel(c.central, 'r2', 'central, second');
    const first = await c.sync(0);
    assert.ok(Math.abs(first.clockOffsetMs + TWO_HOURS_MS) < 60_000, `offset ${first.clockOffsetMs}`);
    assert.equal(await labelOf(behind, 'r2'), 'central, second');
    await setLabel(behind, 'r2', 'clone 0, third');
    const [third, second, firstClock] = [
      await clockOf(behind, 'r2'),
      await clockOf(c.central, 'r2'),
      await clockOf(other, 'r2'),
    ];
    assert.ok(third[0] > second[0], 'raised on receipt: the lagging clone orders its later edit after what it saw');
    assert.ok(third[0] > firstClock[0], 'and after the older concurrent edit');
    await c.sync(0);
    await c.sync(1);
    await c.sync(0);
    await assertEverywhere(c, 'r2', 'clone 0, third');
    await assertRecorded(c, 'r2', {
      kind: 'update_update',
      column: 'label',
      winner: 'central',
      central: 'clone 0, third',
      clone: 'clone 1, first',
    });
    await assertVerified(c);
  });

  test('an edit concurrent with a later one elsewhere loses: its clock is 2 h behind (the documented rule)', async () => {
    await setLabel(c.clones[0]!, 'r3', 'behind, first');
    await sleep(20);
    await setLabel(c.central, 'r3', 'central, second');
    await c.sync(0);
    await c.sync(1);
    await assertEverywhere(c, 'r3', 'central, second');
    await assertRecorded(c, 'r3', { kind: 'update_update', winner: 'central', clone: 'behind, first' });
  });
});

describe('§6.24-26 clocks right, time zones wrong', () => {
  let c: SyncCluster;
  let own: PostgresCluster;
  before(async () => {
    // §6.26 holds a write transaction open, and a snapshot's xmin spans the whole server: on
    // the shared test server it would hold back every other test file's sync meanwhile.
    own = await startPostgresCluster();
    const shared = process.env.GEOSYNC_TEST_PG_URL;
    process.env.GEOSYNC_TEST_PG_URL = own.url;
    try {
      c = await newCluster();
    } finally {
      if (shared === undefined) delete process.env.GEOSYNC_TEST_PG_URL;
      else process.env.GEOSYNC_TEST_PG_URL = shared;
    }
    await setDatabaseSetting(c, c.clones[0]!, 'TimeZone', 'Pacific/Kiritimati');
    await setDatabaseSetting(c, c.central, 'TimeZone', 'America/Adak');
  });
  after(async () => {
    await c?.close();
    await own?.stop();
  });

  test('§6.24 a wrong time zone changes nothing: edits 20 ms apart are ordered by real time', async () => {
    await setLabel(c.clones[0]!, 'r1', 'clone, first');
    await sleep(20);
    await setLabel(c.central, 'r1', 'central, 20 ms later');
    const [k, ce] = [await clockOf(c.clones[0]!, 'r1'), await clockOf(c.central, 'r1')];
    assert.ok(ce[0] > k[0] && ce[0] - k[0] < 5_000_000, `microsecond clocks, 20 ms apart: ${k[0]} ${ce[0]}`);
    const report = await c.sync(0);
    assert.ok(Math.abs(report.clockOffsetMs) < 5000, `offset ${report.clockOffsetMs}`);
    assert.deepEqual(report.warnings, []);
    await c.sync(1);
    await assertEverywhere(c, 'r1', 'central, 20 ms later');
    await assertRecorded(c, 'r1', { kind: 'update_update', winner: 'central', clone: 'clone, first' });
  });

  test('§6.26 a long central transaction that took its xid before a sync and commits after it still reaches every clone', async () => {
    const [central, clone] = [c.central, c.clones[0]!];
    const long = await central.pool.connect();
    const longOnClone = await clone.pool.connect();
    try {
      await long.query('BEGIN');
      await long.query(`INSERT INTO field.site (name, label) VALUES ('long.central', 'committed late')`);
      await longOnClone.query('BEGIN');
      await longOnClone.query(`INSERT INTO field.site (name, label) VALUES ('long.clone', 'committed late')`);
      // Later transactions commit first (higher xids), as LizSync's max(id) cursor would skip.
      await central.query(`INSERT INTO field.site (name, label) VALUES ('short.central', 'committed first')`);
      await central.query(`UPDATE field.site SET label = 'short update' WHERE name = 'r4'`);
      await clone.query(`INSERT INTO field.site (name, label) VALUES ('short.clone', 'committed first')`);
      await c.sync(0); // while both are open: the windows stop below the oldest open transaction
      await c.sync(1);
      await long.query('COMMIT');
      await longOnClone.query('COMMIT');
    } finally {
      await long.query('ROLLBACK').catch(() => undefined);
      await longOnClone.query('ROLLBACK').catch(() => undefined);
      long.release();
      longOnClone.release();
    }
    await c.sync(0);
    await c.sync(1);
    await c.sync(0);
    for (const name of ['long.central', 'long.clone', 'short.central', 'short.clone']) {
      const rows = await Promise.all(
        [c.central, ...c.clones].map((n) => n.query('SELECT 1 FROM field.site WHERE name = $1', [name])),
      );
      assert.deepEqual(
        rows.map((r) => r.length),
        [1, 1, 1],
        `${name} is on every node once`,
      );
    }
    await assertEverywhere(c, 'r4', 'short update');
    await assertVerified(c);
  });

  test('§6.25 edits with the same HLC are ordered by node id, the same on every node and in any sync order', async () => {
    const nodes = [c.central, ...c.clones];
    const ids = [c.centralId, ...c.cloneIds];
    const names = ['central', 'clone 0', 'clone 1'];
    // Same clock everywhere: each sequence set to one value ahead of every wall clock here.
    const sameClock = async () => {
      const at = (Date.now() + 3_600_000) * 1000 + Math.floor(Math.random() * 1_000_000);
      for (const node of nodes) await node.query(`SELECT setval('geosync_dbsync.hlc', $1::bigint)`, [at]);
      return at + 1;
    };
    const maxId = [...ids].sort().at(-1)!;
    const winner = names[ids.indexOf(maxId)]!;

    // Two nodes: the central and clone 0.
    const hlc = await sameClock();
    await setLabel(c.central, 'r5', 'central');
    await setLabel(c.clones[0]!, 'r5', 'clone 0');
    assert.deepEqual(await clockOf(c.central, 'r5'), [hlc, c.centralId]);
    assert.deepEqual(await clockOf(c.clones[0]!, 'r5'), [hlc, c.cloneIds[0]]);
    await c.sync(0);
    const pair = c.centralId > c.cloneIds[0]! ? 'central' : 'clone 0';
    assert.equal(await labelOf(c.central, 'r5'), pair);
    assert.equal(await labelOf(c.clones[0]!, 'r5'), pair);

    // Three nodes, synced in both orders.
    for (const [row, order] of [
      ['r6', [0, 1, 0, 1]],
      ['r3', [1, 0, 1, 0]],
    ] as const) {
      const at = await sameClock();
      for (const [i, node] of nodes.entries()) await setLabel(node, row, names[i]!);
      for (const node of nodes) assert.equal((await clockOf(node, row))[0], at, 'the same HLC on every node');
      for (const i of order) await c.sync(i);
      await assertEverywhere(c, row, winner);
    }
    await c.sync(0);
    await c.sync(1);
    await assertVerified(c);
    await assertRecorded(c, 'r5', { kind: 'update_update', winner: pair === 'central' ? 'central' : 'clone' });
  });
});

describe('§6.27 a clone clock that jumps back', () => {
  let c: SyncCluster;
  before(async () => {
    c = await newCluster();
  });
  after(() => c?.close());

  test('edits after the jump keep their local order: the HLC never goes back, the last edit is what arrives', async () => {
    const clone = c.clones[0]!;
    await setLabel(clone, 'r1', 'first');
    await clone.query(`INSERT INTO field.site (name, label) VALUES ('jump.1', 'before the jump')`);
    const first = await clockOf(clone, 'r1');
    await setClockOffset(c, clone, -3600 * 1000); // the device clock goes back an hour
    await setLabel(clone, 'r1', 'second');
    await clone.query(`INSERT INTO field.site (name, label) VALUES ('jump.2', 'after the jump')`);
    await clone.query(`UPDATE field.site SET n = 1 WHERE name = 'jump.1'`);
    const second = await clockOf(clone, 'r1');
    assert.ok(second[0] > first[0], `monotonic: ${first[0]} then ${second[0]}`);
    const [jump1, jump2] = [await clockOf(clone, 'jump.1', 'n'), await clockOf(clone, 'jump.2', 'name')];
    assert.ok(jump1[0] > second[0] && jump2[0] > first[0], 'every later edit gets a later clock');
    const logged = await clone.query<{ h: string }>(
      `SELECT (clocks->'label'->>0) AS h FROM geosync_dbsync.change c JOIN field.site s ON s.uid = c.row_uid
        WHERE s.name = 'r1' ORDER BY seq`,
    );
    assert.deepEqual(
      logged.map((r) => Number(r.h)),
      [first[0], second[0]],
      'the log keeps both, in order',
    );
    await c.sync(0);
    assert.equal(await labelOf(c.central, 'r1'), 'second');

    // Across syncs too: a further jump back, then an edit of a value the central already has.
    await setClockOffset(c, clone, -2 * 3600 * 1000);
    await setLabel(clone, 'r1', 'third');
    assert.ok((await clockOf(clone, 'r1'))[0] > second[0]);
    await c.sync(0);
    await c.sync(1);
    await assertEverywhere(c, 'r1', 'third');
    assert.deepEqual(await c.conflicts(), []);
    await assertVerified(c);
  });
});
