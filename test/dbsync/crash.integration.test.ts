/**
 * §6 scenario 19 (power loss mid-apply) and the interrupted-deploy half of 23, with the clone on a
 * PostgreSQL server of its own that the test kills with SIGKILL (the postmaster and every backend,
 * as a power cut would) and restarts, so the server runs crash recovery. The central stays on the
 * test run's server. Deploy's refusals (unsynced changes, bad archives) are tested in
 * src/domain/dbsync/package/deploy-refusals.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import pg from 'pg';

import type { Connector } from '../../src/connectors/connector.ts';
import type { PostgresDatabase } from '../../src/connectors/database.ts';
import { postgisConnectorType } from '../../src/connectors/postgis/postgis.connector.ts';
import { listConflicts } from '../../src/domain/dbsync/conflicts.ts';
import { deployPackage } from '../../src/domain/dbsync/package/deploy.ts';
import { stateOf } from '../../src/domain/dbsync/package/package-fixture.test-helper.ts';
import { packageCentral } from '../../src/domain/dbsync/package/package.ts';
import { prepareCentral } from '../../src/domain/dbsync/prepare.ts';
import { installStructures } from '../../src/domain/dbsync/structures.ts';
import { syncClone } from '../../src/domain/dbsync/sync.ts';
import type { FaultPoints, FaultStep } from '../../src/domain/dbsync/transfer.ts';
import { verifyClone } from '../../src/domain/dbsync/verify.ts';
import { createSyncNode, type SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';
import { PG_BIN_DIR, type PostgresCluster, startPostgresCluster, TEMPLATE_DATABASE } from '../helpers/postgres.ts';

const execFileAsync = promisify(execFile);
const signal = () => AbortSignal.timeout(120_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: PostgresCluster;
let central: SyncNodeDatabase;
let clone: SyncNodeDatabase;
const cloneNodes: SyncNodeDatabase[] = [];
const workDir = mkdtempSync(path.join(os.tmpdir(), 'geosync-dbsync-crash-'));
const archive = path.join(workDir, 'central.zip');
const model = new Map<string, number>();

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database on the clones' own server, shaped like test/helpers/dbsync-nodes.ts's nodes. */
async function nodeOnServer(prefix: string): Promise<SyncNodeDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(server.url, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`));
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const db = postgisConnectorType.create(
    postgisConnectorType.config.parse({
      host: '127.0.0.1',
      port: server.port,
      database: name,
      user: 'postgres',
      sslMode: 'disable',
    }),
    { dataDir: '/nonexistent' },
  ) as Connector & PostgresDatabase;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  pool.on('error', () => undefined);
  const node: SyncNodeDatabase = {
    db,
    url: url.toString(),
    name,
    pool,
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await pool.query(sql, [...params])).rows as R[];
    },
    async close() {
      await db.close();
      await pool.end();
    },
  };
  cloneNodes.push(node);
  return node;
}

/**
 * SIGKILL to the postmaster and every backend at once: nothing is flushed or shut down. Returns
 * once the processes are gone, reaped included: PostgreSQL refuses to start while the pid in its
 * lock file exists, even as a zombie.
 */
async function powerCut(): Promise<void> {
  const pid = Number(readFileSync(path.join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  for (const p of [pid, ...children]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; [pid, ...children].some((p) => existsSync(`/proc/${p}`)); i++) {
    if (i > 1500) throw new Error('the killed server processes were not reaped');
    await sleep(10);
  }
}

const recoveries = () =>
  (readFileSync(path.join(server.dir, 'postgres.log'), 'utf8').match(/not properly shut down/g) ?? []).length;

/** Starts the killed server again on its port; it replays its WAL (crash recovery). */
async function restart(): Promise<void> {
  const before = recoveries();
  const pgCtl = path.join(PG_BIN_DIR, 'pg_ctl');
  const args = ['-D', path.join(server.dir, 'data'), '-l', path.join(server.dir, 'postgres.log')];
  const start = [...args, '-w', '-t', '60', '-o', `-p ${server.port}`, 'start'];
  if (process.getuid?.() === 0) await execFileAsync('runuser', ['-u', 'postgres', '--', pgCtl, ...start]);
  else await execFileAsync(pgCtl, start);
  assert.equal(recoveries(), before + 1, 'the server ran crash recovery');
  // The pools drop their dead connections as they notice them; wait until both reach the server.
  for (let i = 0; ; i++) {
    try {
      await clone.query('SELECT 1');
      await clone.db.withSession((s) => s.query('SELECT 1'), signal());
      return;
    } catch (error) {
      if (i > 50) throw error;
      await sleep(50);
    }
  }
}

const sync = (node: SyncNodeDatabase, faults?: FaultPoints) =>
  syncClone(central.db, node.db, { cloneName: 'crash', batchChanges: 3, signal: signal(), ...(faults && { faults }) });

before(async () => {
  server = await startPostgresCluster();
  // The test servers do not wait for the WAL at commit; a killed server would then lose commits
  // the sync was told about. (fsync stays off: a killed process leaves the OS cache intact.)
  await admin(server.url, async (c) => {
    await c.query('ALTER SYSTEM SET synchronous_commit = on');
    await c.query('SELECT pg_reload_conf()');
  });
  central = await createSyncNode('dbsync_central');
  await central.query(`CREATE SCHEMA field;
    CREATE TABLE field.site (id serial PRIMARY KEY, uid uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      name text NOT NULL, n integer NOT NULL DEFAULT 0, geom geometry(Point, 2154));
    -- No primary key: packaged (its load is where a first deploy gets cut) but not synced or verified.
    CREATE TABLE field.bulk (label text NOT NULL, geom geometry(Point, 2154));
    INSERT INTO field.bulk (label, geom)
      SELECT 'bulk row ' || i, ST_SetSRID(ST_MakePoint(i, i), 2154) FROM generate_series(1, 60000) i;`);
  await central.db.withSession((s) => installStructures(s, { role: 'central' }), signal());
  await prepareCentral(central.db, { schemas: ['field'], signal: signal() });
  await central.query(`INSERT INTO field.site (name, n) SELECT 'seed.' || i, i FROM generate_series(1, 4) i`);
  for (let i = 1; i <= 4; i++) model.set(`seed.${i}`, i);
  await packageCentral(central.db, { outputPath: archive, signal: signal() });
  clone = await nodeOnServer('dbsync_crash_clone');
  await deployPackage(clone.db, { archivePath: archive, workDir, cloneName: 'crash', signal: signal() });
});
after(async () => {
  await Promise.allSettled(cloneNodes.map((n) => n.close()));
  await central?.close();
  await server?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function insertSites(node: SyncNodeDatabase, names: string[]): Promise<void> {
  await node.query(`INSERT INTO field.site (name, n) SELECT s, o FROM unnest($1::text[]) WITH ORDINALITY u(s, o)`, [
    names,
  ]);
  names.forEach((name, i) => model.set(name, i + 1));
}

async function edit(node: SyncNodeDatabase, sql: string, name: string, n?: number): Promise<void> {
  const rows = await node.query(sql, [name, ...(n === undefined ? [] : [n])]);
  assert.equal(rows.length, 1, `${name} exists where it is edited`);
  if (n === undefined) model.delete(name);
  else model.set(name, n);
}

async function sitesOf(node: SyncNodeDatabase): Promise<string[]> {
  const rows = await node.query<{ s: string }>(`SELECT name || '=' || n AS s FROM field.site ORDER BY name, n`);
  return rows.map((r) => r.s);
}

async function assertConverged(node: SyncNodeDatabase, label: string): Promise<void> {
  const expected = [...model.entries()].map(([name, n]) => `${name}=${n}`).sort();
  assert.deepEqual(await sitesOf(central), expected, `${label}: central`);
  assert.deepEqual(await sitesOf(node), expected, `${label}: clone`);
  const verified = await verifyClone(central.db, node.db, signal());
  assert.equal(verified.equal, true, `${label}: verify ${JSON.stringify(verified.tables)}`);
  assert.deepEqual((await listConflicts(central.db, {}, signal())).items, [], `${label}: no conflict`);
}

test('§6.19 the clone loses power mid-sync at each step: it restarts, the next sync resumes and converges', async () => {
  const cuts: Array<{ step: FaultStep; side: 'receiver' | 'sender' }> = [
    { step: 'batch-staged', side: 'receiver' },
    { step: 'batch-applied', side: 'receiver' },
    { step: 'batch-committed', side: 'receiver' },
    { step: 'window-opened', side: 'sender' },
    { step: 'batch-staged', side: 'sender' },
    { step: 'batch-applied', side: 'sender' },
  ];
  for (const [round, cut] of cuts.entries()) {
    const label = `power cut at ${cut.step} with the clone as ${cut.side}`;
    await insertSites(
      central,
      [1, 2, 3, 4].map((j) => `c${round}.${j}`),
    );
    await insertSites(
      clone,
      [1, 2, 3, 4].map((j) => `k${round}.${j}`),
    );
    if (round > 0) {
      await edit(central, 'UPDATE field.site SET n = $2 WHERE name = $1 RETURNING 1', `c${round - 1}.1`, 100 + round);
      await edit(central, 'DELETE FROM field.site WHERE name = $1 RETURNING 1', `c${round - 1}.2`);
      await edit(clone, 'UPDATE field.site SET n = $2 WHERE name = $1 RETURNING 1', `k${round - 1}.1`, 200 + round);
      await edit(clone, 'DELETE FROM field.site WHERE name = $1 RETURNING 1', `k${round - 1}.2`);
    }
    let cutDone = false;
    // Batch 1 when the clone receives (batch 0 is then committed before the cut), else batch 0.
    const batch = cut.side === 'receiver' ? 1 : 0;
    await assert.rejects(
      sync(clone, async (step, at) => {
        const cloneSide = cut.side === 'receiver' ? at.receiver : at.sender;
        if (!cutDone && step === cut.step && cloneSide === 'clone' && at.batch === batch) {
          cutDone = true;
          await powerCut();
        }
      }),
      Error,
      `${label}: the sync fails`,
    );
    assert.ok(cutDone, `${label}: the cut happened`);
    const [run] = await central.query<{ outcome: string }>(
      'SELECT outcome FROM geosync_dbsync.sync_run ORDER BY id DESC LIMIT 1',
    );
    assert.equal(run!.outcome, 'failed', `${label}: the central recorded the failed run`);
    await restart();
    const report = await sync(clone);
    assert.equal(report.toCentral.replays + report.toClone.replays, 0, `${label}: nothing was sent twice`);
    await assertConverged(clone, label);
  }
});

/** Waits until a backend of `database` on the clones' server matches `where`, then cuts the power. */
async function cutWhen(database: string, where: string, deploy: Promise<unknown>, what: string): Promise<void> {
  let finished = false;
  const settled = deploy.then(
    () => (finished = true),
    () => (finished = true),
  );
  await admin(server.url, async (c) => {
    for (;;) {
      const { rows } = await c.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND (${where})`,
        [database],
      );
      if (rows.length > 0) break;
      assert.equal(finished, false, `the deploy finished before it reached ${what}`);
      await sleep(2);
    }
  });
  await powerCut();
  await assert.rejects(deploy, Error, `the deploy cut ${what} fails`);
  await settled;
  await restart();
}

test('§6.23 a deploy over a clone cut mid-way leaves the old clone whole, and it keeps syncing', async () => {
  await sync(clone); // nothing unsent: a redeploy is allowed
  const newer = path.join(workDir, 'newer.zip');
  await central.query(`INSERT INTO field.site (name, n) VALUES ('after the first package', 1)`);
  model.set('after the first package', 1);
  await packageCentral(central.db, { outputPath: newer, signal: signal() });
  const sleepy = path.join(workDir, 'sleepy.zip');
  await packageCentral(central.db, { outputPath: sleepy, afterSql: 'SELECT pg_sleep(60)', signal: signal() });

  // 1. After the old schemas were dropped (in the open deploy transaction), before the structures
  // are installed: the install lock is held elsewhere, so the deploy waits there.
  let before = await stateOf(clone);
  const holder = new pg.Client({ connectionString: clone.url });
  holder.on('error', () => undefined);
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock(7406014)');
  await cutWhen(
    clone.name,
    `wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%pg_advisory_xact_lock%'`,
    deployPackage(clone.db, { archivePath: newer, workDir, signal: signal() }),
    'the structures install, old schemas dropped',
  );
  await holder.end().catch(() => undefined);
  assert.equal(await stateOf(clone), before, 'the old clone is intact after the cut');

  // 2. With everything built (DDL, rows, structures) in after.sql, not committed.
  before = await stateOf(clone);
  await cutWhen(
    clone.name,
    `wait_event = 'PgSleep'`,
    deployPackage(clone.db, { archivePath: sleepy, workDir, signal: signal() }),
    'after.sql, all built',
  );
  assert.equal(await stateOf(clone), before, 'the old clone is intact after the cut');

  // The old clone still syncs both ways.
  await insertSites(central, ['after the cuts.c']);
  await insertSites(clone, ['after the cuts.k']);
  await sync(clone);
  await assertConverged(clone, 'the old clone after two cut deploys');
});

test('§6.23 a first deploy cut while it loads rows leaves an empty database; deployed again, it syncs', async () => {
  const fresh = await nodeOnServer('dbsync_crash_fresh');
  const empty = await stateOf(fresh);
  await cutWhen(
    fresh.name,
    `query LIKE 'COPY %FROM STDIN%' AND state = 'active'`,
    deployPackage(fresh.db, { archivePath: archive, workDir, signal: signal() }),
    'the row load',
  );
  assert.equal(await stateOf(fresh), empty, 'nothing of the package is left');
  assert.deepEqual(
    await fresh.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('field', 'geosync_dbsync')`),
    [],
  );
  await deployPackage(fresh.db, { archivePath: archive, workDir, cloneName: 'fresh', signal: signal() });
  const report = await sync(fresh);
  assert.ok(report.toClone.changes > 0, 'the changes since the package arrive');
  await assertConverged(fresh, 'the clone deployed after the cut');
  const [bulk] = await fresh.query<{ n: number }>('SELECT count(*)::int AS n FROM field.bulk');
  assert.equal(bulk!.n, 60000);
});
