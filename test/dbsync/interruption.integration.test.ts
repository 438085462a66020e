/**
 * §6 scenarios 17, 18, 20, 21 and 22 (interruption and replay), on real PostGIS databases: a
 * central and two deployed clones. Faults are thrown from the sync's FaultPoints at named steps;
 * the oracle after every interruption is a later clean sync that converges without loss or
 * duplication (rows by name against a model, row hashes by uid, verify, no conflicts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Connector } from '../../src/connectors/connector.ts';
import type { PgSession, PostgresDatabase } from '../../src/connectors/database.ts';
import { postgisConnectorType } from '../../src/connectors/postgis/postgis.connector.ts';
import { readMeta } from '../../src/domain/dbsync/structures.ts';
import { syncClone } from '../../src/domain/dbsync/sync.ts';
import { applyBatch, type BatchOutcome, type FaultPoints, type SyncNode } from '../../src/domain/dbsync/transfer.ts';
import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';

const signal = () => AbortSignal.timeout(120_000);
const BATCH = { batchChanges: 3 };

class InjectedFault extends Error {}

let cluster: SyncCluster;
let central: SyncNodeDatabase;
let clone: SyncNodeDatabase;
const extraConnectors: Connector[] = [];

/** What every node must hold once synced: site name -> n, and visits as "site|note". */
const model = { sites: new Map<string, number>(), visits: new Set<string>() };

before(async () => {
  cluster = await createSyncCluster({
    setupSql: `CREATE SCHEMA field;
      CREATE TABLE field.site (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        name text NOT NULL, n integer NOT NULL DEFAULT 0, geom geometry(Point, 2154));
      CREATE TABLE field.visit (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        site_uid uuid NOT NULL REFERENCES field.site (uid), note text NOT NULL);`,
    schemas: ['field'],
    seedSql: `INSERT INTO field.site (name, n, geom)
      SELECT 'seed.' || i, i, ST_SetSRID(ST_MakePoint(i, i), 2154) FROM generate_series(1, 6) i`,
  });
  central = cluster.central;
  clone = cluster.clones[0]!;
  for (let i = 1; i <= 6; i++) model.sites.set(`seed.${i}`, i);
});
after(async () => {
  await Promise.allSettled(extraConnectors.map((c) => c.close()));
  await cluster?.close();
});

async function insertSites(node: SyncNodeDatabase, names: string[]): Promise<void> {
  await node.query(
    `INSERT INTO field.site (name, n, geom)
     SELECT s, o, ST_SetSRID(ST_MakePoint(o, -o), 2154) FROM unnest($1::text[]) WITH ORDINALITY u(s, o)`,
    [names],
  );
  names.forEach((name, i) => model.sites.set(name, i + 1));
}

async function setN(node: SyncNodeDatabase, name: string, n: number): Promise<void> {
  const { length } = await node.query('UPDATE field.site SET n = $2 WHERE name = $1 RETURNING 1', [name, n]);
  assert.equal(length, 1, `${name} exists where it is updated`);
  model.sites.set(name, n);
}

async function deleteSite(node: SyncNodeDatabase, name: string): Promise<void> {
  const { length } = await node.query('DELETE FROM field.site WHERE name = $1 RETURNING 1', [name]);
  assert.equal(length, 1, `${name} exists where it is deleted`);
  model.sites.delete(name);
}

/** One clone transaction: new sites and a visit of the first (parent and child together). */
async function insertSitesWithVisit(node: SyncNodeDatabase, names: string[], note: string): Promise<void> {
  const client = await node.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO field.site (name, n) SELECT s, o FROM unnest($1::text[]) WITH ORDINALITY u(s, o)`, [
      names,
    ]);
    await client.query(`INSERT INTO field.visit (site_uid, note) SELECT uid, $2 FROM field.site WHERE name = $1`, [
      names[0],
      note,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  names.forEach((name, i) => model.sites.set(name, i + 1));
  model.visits.add(`${names[0]}|${note}`);
}

async function sitesOf(node: SyncNodeDatabase): Promise<Array<[string, number]>> {
  const rows = await node.query<{ name: string; n: number }>('SELECT name, n FROM field.site ORDER BY name, n');
  return rows.map((r) => [r.name, r.n]);
}

async function visitsOf(node: SyncNodeDatabase): Promise<string[]> {
  const rows = await node.query<{ v: string }>(
    `SELECT s.name || '|' || v.note AS v FROM field.visit v JOIN field.site s ON s.uid = v.site_uid ORDER BY 1`,
  );
  return rows.map((r) => r.v);
}

const expectedSites = () => [...model.sites.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Central and clone `i` hold exactly the model (so no row lost or doubled), equal by uid, no conflict. */
async function assertConverged(i: number, label: string): Promise<void> {
  const node = cluster.clones[i]!;
  for (const [where, n] of [
    ['central', central],
    [`clone ${i}`, node],
  ] as const) {
    assert.deepEqual(await sitesOf(n), expectedSites(), `${label}: sites on the ${where}`);
    assert.deepEqual(await visitsOf(n), [...model.visits].sort(), `${label}: visits on the ${where}`);
  }
  for (const table of ['field.site', 'field.visit']) {
    assert.deepEqual(await cluster.rows(node, table), await cluster.rows(central, table), `${label}: ${table} by uid`);
  }
  const verified = await cluster.verify(i);
  assert.equal(verified.equal, true, `${label}: verify ${JSON.stringify(verified.tables)}`);
  assert.deepEqual(await cluster.conflicts(), [], `${label}: no conflict (the edits never overlap)`);
}

async function nodeOf(node: SyncNodeDatabase, label: SyncNode['label']): Promise<SyncNode> {
  const meta = await node.db.withSession(readMeta, signal());
  if (typeof meta === 'string') throw new Error(`${label} has no sync structures`);
  return { db: node.db, meta, label };
}

/** Opens the sender's window over [cursor, upto) for `receiverId`, as transfer() does, and runs `fn` on it. */
async function withWindow<T>(
  sender: SyncNodeDatabase,
  receiverId: string,
  cursor: string,
  upto: string,
  fn: (out: PgSession, total: number) => Promise<T>,
): Promise<T> {
  return sender.db.withSession(async (out) => {
    const { rows } = await out.query<{ n: number }>('SELECT geosync_dbsync.open_window($1, $2, $3) AS n', [
      receiverId,
      cursor,
      upto,
    ]);
    return fn(out, rows[0]!.n);
  }, signal());
}

async function inboundOn(node: SyncNodeDatabase, origin: string) {
  const rows = await node.query<{ cursor: string; window_xmin: string | null; next_batch: number; xmin: string }>(
    `SELECT cursor::text, window_xmin::text, next_batch, xmin::text FROM geosync_dbsync.inbound WHERE origin = $1`,
    [origin],
  );
  assert.equal(rows.length, 1);
  return rows[0]!;
}

async function appliedBatches(node: SyncNodeDatabase, origin: string) {
  return node.query<{ window_xmin: string; batch: number; changes: number }>(
    `SELECT window_xmin::text, batch, changes FROM geosync_dbsync.applied_batch WHERE origin = $1
      ORDER BY window_xmin, batch`,
    [origin],
  );
}

/** Throws at the n-th step the sync reaches (counting every step of every phase). */
function faultAtCall(n: number) {
  const state = { fired: undefined as string | undefined };
  let calls = 0;
  const faults: FaultPoints = async (step, at) => {
    calls++;
    if (calls === n) {
      state.fired = `${step} ${at.sender}->${at.receiver} batch ${at.batch}`;
      throw new InjectedFault(`injected at ${state.fired}`);
    }
  };
  return { state, faults };
}

test('§6.17-22 a sync cut at every step boundary, then run again, converges with nothing lost or doubled', async () => {
  const cut = new Set<string>();
  for (let round = 1; ; round++) {
    assert.ok(round < 60, 'the loop ends once a sync no longer reaches the fault');
    await insertSites(
      central,
      [1, 2, 3].map((j) => `c${round}.${j}`),
    );
    await insertSitesWithVisit(
      clone,
      [1, 2, 3].map((j) => `k${round}.${j}`),
      `v${round}`,
    );
    if (round > 1) {
      await setN(central, `c${round - 1}.1`, 100 + round);
      await deleteSite(central, `c${round - 1}.2`);
      await setN(clone, `k${round - 1}.1`, 200 + round);
      await deleteSite(clone, `k${round - 1}.3`);
    }
    const { state, faults } = faultAtCall(round);
    const outcome = await cluster.sync(0, { ...BATCH, faults }).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (state.fired === undefined) {
      assert.equal(outcome, undefined, 'a sync that met no fault succeeds');
      await assertConverged(0, `round ${round}, no fault reached`);
      break;
    }
    assert.ok(outcome instanceof InjectedFault, `round ${round}: the injected fault surfaces (${String(outcome)})`);
    const [step, direction] = state.fired.split(' ');
    cut.add(`${step} ${direction}`);
    const failed = await central.query<{ outcome: string; error_code: string }>(
      `SELECT outcome, error_code FROM geosync_dbsync.sync_run ORDER BY id DESC LIMIT 1`,
    );
    assert.deepEqual(failed, [{ outcome: 'failed', error_code: 'dbsync_failed' }], 'the cut run is recorded as failed');
    const report = await cluster.sync(0, BATCH);
    assert.equal(report.toClone.replays + report.toCentral.replays + report.pingBack.replays, 0, 'nothing resent');
    await assertConverged(0, `round ${round}, cut at ${state.fired}`);
  }
  for (const step of ['window-opened', 'batch-staged', 'batch-applied', 'batch-committed']) {
    for (const direction of ['central->clone', 'clone->central']) {
      assert.ok(cut.has(`${step} ${direction}`), `a cut at ${step} ${direction} was exercised`);
    }
  }
  await cluster.sync(1, BATCH);
  await assertConverged(1, 'the other clone, after all the cut syncs');
});

test('§6.17 the answer to a committed batch is lost: the resend is a no-op and the sync resumes after it', async () => {
  const [centralId, cloneId] = [cluster.centralId, cluster.cloneIds[0]!];
  await insertSites(
    clone,
    [1, 2, 3, 4, 5, 6, 7].map((j) => `lost.${j}`),
  );
  const faults: FaultPoints = async (step, at) => {
    if (step === 'batch-committed' && at.sender === 'clone' && at.batch === 0) throw new InjectedFault('link cut');
  };
  await assert.rejects(cluster.sync(0, { ...BATCH, faults }), InjectedFault);

  const inbound = await inboundOn(central, cloneId);
  assert.equal(inbound.next_batch, 1, 'the central recorded batch 0 and waits for batch 1');
  assert.ok(inbound.window_xmin);
  const window = (await appliedBatches(central, cloneId)).filter((b) => b.window_xmin === inbound.window_xmin);
  assert.deepEqual(window, [{ window_xmin: inbound.window_xmin, batch: 0, changes: 3 }]);
  const landed = await central.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM field.site WHERE name LIKE 'lost.%'`,
  );
  assert.deepEqual(landed, [{ n: 3 }], 'batch 0 is committed on the central');

  // The clone never saw the commit, so it sends batch 0 again: recorded, so nothing happens.
  const before = await cluster.rows(central, 'field.site');
  const receiver = await nodeOf(central, 'central');
  const resent: BatchOutcome = await withWindow(clone, centralId, inbound.cursor, inbound.window_xmin, (out, total) => {
    assert.equal(total, 7, 'the same window is cut again');
    return applyBatch(out, receiver, {
      origin: cloneId,
      window: inbound.window_xmin!,
      batch: 0,
      from: 0,
      to: 3,
      last: false,
      size: 3,
      signal: signal(),
    });
  });
  assert.deepEqual(resent, { replay: true, applied: 0, conflicts: 0, quarantined: 0, bytes: 0 });
  assert.deepEqual(await cluster.rows(central, 'field.site'), before, 'the resend changed no row');
  assert.deepEqual(await inboundOn(central, cloneId), inbound, 'nor the cursor');

  const report = await cluster.sync(0, BATCH);
  assert.equal(report.toCentral.changes, 7);
  assert.equal(report.toCentral.batches, 2, 'the sync resumes at batch 1');
  assert.equal(report.toCentral.replays, 0);
  assert.equal(report.toCentral.applied, 4);
  const all = (await appliedBatches(central, cloneId)).filter((b) => b.window_xmin === inbound.window_xmin);
  assert.deepEqual(
    all.map((b) => [b.batch, b.changes]),
    [
      [0, 3],
      [1, 3],
      [2, 1],
    ],
    'each batch applied exactly once',
  );
  await assertConverged(0, 'after the lost answer');
});

test('§6.18 the cursor is written by the transaction that applies the data: cut before commit, neither moved', async () => {
  const centralId = cluster.centralId;
  await insertSites(
    central,
    [1, 2, 3, 4, 5].map((j) => `cursor.${j}`),
  );
  const before = await inboundOn(clone, centralId);
  const rowsBefore = await cluster.rows(clone, 'field.site');
  const appliedBefore = await appliedBatches(clone, centralId);
  let during: Awaited<ReturnType<typeof inboundOn>> | undefined;
  let writers: Array<{ pid: number; tables: string[] }> = [];
  await assert.rejects(
    cluster.sync(0, {
      ...BATCH,
      faults: async (step, at) => {
        if (step !== 'batch-applied' || at.receiver !== 'clone' || at.batch !== 0) return;
        // The apply has written rows, batch record and cursor and not committed yet: one
        // transaction holds the write locks of all three.
        during = await inboundOn(clone, centralId);
        writers = await clone.query<{ pid: number; tables: string[] }>(
          `SELECT a.pid, array_agg(l.relation::regclass::text ORDER BY l.relation::regclass::text) AS tables
             FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
            WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL
              AND l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'
            GROUP BY a.pid`,
        );
        // The client dies before its COMMIT.
        await clone.query('SELECT pg_terminate_backend($1)', [writers[0]?.pid]);
      },
    }),
  );
  assert.equal(writers.length, 1, `one open writing transaction: ${JSON.stringify(writers)}`);
  for (const table of ['field.site', 'geosync_dbsync.applied_batch', 'geosync_dbsync.inbound']) {
    assert.ok(writers[0]!.tables.includes(table), `the apply transaction wrote ${table}`);
  }
  assert.deepEqual(during, before, 'the cursor of an open apply is not visible elsewhere');
  assert.deepEqual(await inboundOn(clone, centralId), before, 'the cursor did not move');
  assert.deepEqual(await cluster.rows(clone, 'field.site'), rowsBefore, 'no row of the batch landed');
  assert.deepEqual(await appliedBatches(clone, centralId), appliedBefore, 'the batch is not recorded');

  // At commit, rows, batch record and cursor appear together.
  let seen: { nextBatch: number; recorded: number; rows: number } | undefined;
  await cluster.sync(0, {
    ...BATCH,
    faults: async (step, at) => {
      if (step === 'batch-committed' && at.receiver === 'clone' && at.batch === 0) {
        const inbound = await inboundOn(clone, centralId);
        const [counts] = await clone.query<{ recorded: number; rows: number }>(
          `SELECT (SELECT count(*)::int FROM geosync_dbsync.applied_batch WHERE origin = $1 AND window_xmin = $2) AS recorded,
                  (SELECT count(*)::int FROM field.site WHERE name LIKE 'cursor.%') AS rows`,
          [centralId, inbound.window_xmin],
        );
        seen = { nextBatch: inbound.next_batch, ...counts! };
      }
    },
  });
  assert.deepEqual(seen, { nextBatch: 1, recorded: 1, rows: 3 });
  await assertConverged(0, 'after the cursor checks');
});

/** Another connector to the same clone database: a second geosync process or device. */
function secondConnector(node: SyncNodeDatabase): Connector & PostgresDatabase {
  const url = new URL(node.url);
  const connector = postgisConnectorType.create(
    postgisConnectorType.config.parse({
      host: url.hostname,
      port: Number(url.port),
      database: node.name,
      user: decodeURIComponent(url.username),
      sslMode: 'disable',
    }),
    { dataDir: '/nonexistent' },
  ) as Connector & PostgresDatabase;
  extraConnectors.push(connector);
  return connector;
}

test('§6.20 a second sync of a clone while one runs is refused with dbsync_sync_running', async () => {
  await insertSites(central, ['twice.c']);
  await insertSites(clone, ['twice.k']);
  let entered!: () => void;
  let release!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const held = new Promise<void>((resolve) => (release = resolve));
  let blocked = false;
  const first = cluster.sync(0, {
    faults: async (step) => {
      if (step === 'window-opened' && !blocked) {
        blocked = true;
        entered();
        await held;
      }
    },
  });
  try {
    await inside;
    const running = { code: 'dbsync_sync_running', status: 409 };
    await assert.rejects(cluster.sync(0), running, 'a double click');
    await assert.rejects(
      syncClone(central.db, secondConnector(clone), { cloneName: 'clone0', signal: signal() }),
      running,
      'the same clone through a second process',
    );
    // Another database claiming this clone's id (a copied device): the central's lock refuses it.
    const other = cluster.clones[1]!;
    const [ownId] = await other.query<{ node_id: string }>('SELECT node_id FROM geosync_dbsync.meta');
    await other.query('UPDATE geosync_dbsync.meta SET node_id = $1', [cluster.cloneIds[0]]);
    try {
      await assert.rejects(cluster.sync(1), { ...running, message: /central/ }, 'a second device with the same id');
    } finally {
      await other.query('UPDATE geosync_dbsync.meta SET node_id = $1', [ownId!.node_id]);
    }
  } finally {
    release();
  }
  const report = await first;
  assert.equal(report.toClone.changes, 1);
  assert.equal(report.toCentral.changes, 1);
  await cluster.sync(0); // the lock went with the first sync
  const runs = await central.query<{ outcome: string; n: number }>(
    `SELECT outcome, count(*)::int AS n FROM geosync_dbsync.sync_run WHERE outcome = 'running' GROUP BY 1`,
  );
  assert.deepEqual(runs, [], 'no run is left running');
  await assertConverged(0, 'after the refused syncs');
});

test('§6.21 a batch applied twice, and batches applied out of order: every change lands once', async () => {
  const [centralId, cloneId] = [cluster.centralId, cluster.cloneIds[0]!];
  await insertSites(
    clone,
    [1, 2, 3, 4, 5, 6, 7].map((j) => `replay.${j}`),
  );
  const { cursor, window_xmin } = await inboundOn(central, cloneId);
  assert.equal(window_xmin, null, 'no window in progress');
  const [{ x: upto }] = (await clone.query<{ x: string }>(
    'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS x',
  )) as [{ x: string }];
  const receiver = await nodeOf(central, 'central');
  const replays = await withWindow(clone, centralId, cursor, upto, async (out, total) => {
    assert.equal(total, 7);
    const seen: boolean[] = [];
    for (const batch of [1, 0, 2, 1, 0, 2, 2]) {
      const outcome = await applyBatch(out, receiver, {
        origin: cloneId,
        window: upto,
        batch,
        from: batch * 3,
        to: Math.min(batch * 3 + 3, total),
        last: batch === 2,
        size: 3,
        signal: signal(),
      });
      seen.push(outcome.replay);
    }
    return seen;
  });
  assert.deepEqual(
    replays,
    [false, false, false, true, true, true, true],
    'the first of each batch applies, the rest are no-ops',
  );
  const names = await central.query<{ name: string; n: number }>(
    `SELECT name, count(*)::int AS n FROM field.site WHERE name LIKE 'replay.%' GROUP BY name ORDER BY name`,
  );
  assert.deepEqual(
    names,
    [1, 2, 3, 4, 5, 6, 7].map((j) => ({ name: `replay.${j}`, n: 1 })),
  );
  const inbound = await inboundOn(central, cloneId);
  assert.equal(inbound.window_xmin, null, 'the last batch closed the window');
  const [{ covered }] = (await central.query<{ covered: boolean }>(
    'SELECT pg_snapshot_xmin($1::pg_snapshot) >= $2::xid8 AS covered',
    [inbound.cursor, upto],
  )) as [{ covered: boolean }];
  assert.equal(covered, true, 'the cursor covers the window');
  const report = await cluster.sync(0, BATCH);
  assert.equal(report.toCentral.changes, 0, 'the sync finds nothing left to send');
  await assertConverged(0, 'after the replays');
  await cluster.sync(1, BATCH);
  await assertConverged(1, 'the other clone gets each replayed row once');
});

test('§6.22 edits committed on both sides while a sync runs are kept and go with the next sync', async () => {
  await insertSites(
    central,
    [1, 2, 3, 4].map((j) => `live.c${j}`),
  );
  await insertSites(
    clone,
    [1, 2, 3, 4].map((j) => `live.k${j}`),
  );
  const done: string[] = [];
  const edits: Record<string, () => Promise<void>> = {
    // The clone receives: its rows waiting to be sent and new ones change under the apply.
    'batch-staged central->clone 0': async () => {
      await insertSites(clone, ['live.k-staged']);
      await setN(clone, 'live.k1', 301);
      await insertSites(central, ['live.c-staged']);
      await setN(central, 'live.c1', 302); // a row of the window being sent
    },
    'batch-applied central->clone 1': async () => {
      await insertSites(clone, ['live.k-applied']);
      await insertSites(central, ['live.c-applied']);
    },
    // The clone's window is fixed: edits to rows in it go next time, with the values sent as base.
    'window-opened clone->central 0': async () => {
      await setN(clone, 'live.k2', 303);
      await insertSites(clone, ['live.k-opened']);
    },
    'batch-applied clone->central 0': async () => {
      await insertSites(clone, ['live.k-central-open']);
      await insertSites(central, ['live.c-central-open']);
      await setN(central, 'live.c2', 304);
    },
    'batch-committed clone->central 1': async () => {
      await deleteSite(clone, 'live.k3');
      await deleteSite(central, 'live.c3');
    },
  };
  await cluster.sync(0, {
    ...BATCH,
    faults: async (step, at) => {
      const key = `${step} ${at.sender}->${at.receiver} ${at.batch}`;
      if (edits[key] && !done.includes(key)) {
        done.push(key);
        await edits[key]();
      }
    },
  });
  assert.deepEqual(done.sort(), Object.keys(edits).sort(), 'every edit ran during the sync');
  await cluster.sync(0, BATCH);
  await assertConverged(0, 'edits made during a sync');
  await cluster.sync(1, BATCH);
  await assertConverged(1, 'edits made during a sync, at the other clone');
});
