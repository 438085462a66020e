/**
 * Two geosync nodes (child processes, test/engine/node-process.ts) on one PostgreSQL database:
 * scheduled fires run exactly once across the nodes, and a run whose node is killed (-9) is
 * recovered by the other node, leaving nothing staged.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { EngineTuning } from '../../src/compose-orchestration.ts';
import type { GeosyncContext } from '../../src/context.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createGeosync } from '../../src/main.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { testTaskTypes } from '../tasks/test-task-types.ts';
import { createBatch, createConfiguration, createWorkspace, taskStatuses } from './fixture.ts';

const NODE_ENTRY = new URL('./node-process.ts', import.meta.url).pathname;
const LEASE_MS = 3000;
const TUNING: EngineTuning = { tickMs: 500, leaseMs: LEASE_MS };

interface Node {
  name: string;
  child: ChildProcess;
  pid: number;
  stderr: string[];
  exited: Promise<void>;
}

let database: TestDatabase;
let ctx: GeosyncContext;
let dataDir: string;
let workspaceId: string;
const nodes: Node[] = [];

/** Starts a node in its own process group (so `after` can kill all of it) and waits for its ready line. */
async function startNode(name: string): Promise<Node> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', NODE_ENTRY, database.url, dataDir, JSON.stringify(TUNING)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, GEOSYNC_NODE_LOG_LEVEL: 'warn' },
    },
  );
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const node: Node = { name, child, pid: child.pid!, stderr, exited };
  nodes.push(node);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`node ${name} not ready after 30 s:\n${stderr.join('')}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('"ready"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${name} exited (${code}) before it was ready:\n${stderr.join('')}`));
    });
  });
  return node;
}

function killGroup(node: Node, signal: NodeJS.Signals): void {
  try {
    process.kill(-node.pid, signal);
  } catch {
    // already gone
  }
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) {
      const logs = nodes.map((n) => `--- ${n.name} ---\n${n.stderr.join('').slice(-3000)}`).join('\n');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${logs}`);
    }
    await sleep(100);
  }
}

/** A Quartz expression that fires once, at `at` (UTC, whole second). */
function onceAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} ? ${at.getUTCFullYear()}`;
}

/** Schedules batches to fire once, `inMs` from now (rounded up to a whole second). */
async function fireOnce(batchIds: string[], inMs: number): Promise<Date> {
  const at = new Date(Math.ceil((Date.now() + inMs) / 1000) * 1000);
  await ctx.db
    .updateTable('batches')
    .set({ schedule: JSON.stringify({ kind: 'cron', expression: onceAt(at) }), last_fire_at: new Date() })
    .where('id', 'in', batchIds)
    .execute();
  return at;
}

const countBy = <T>(items: T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

const nodeOf = (nodeId: string | null) => nodes.find((n) => nodeId?.includes(`-${n.pid}-`))?.name ?? String(nodeId);

before(async () => {
  database = await createTestDatabase('nodes');
  dataDir = makeTempDir('gs-nodes-');
  // Migrate and bootstrap once, as a first `serve` would, so the nodes share the secret key and
  // do not race each other creating the admin user.
  ({ ctx } = await createGeosync(
    loadConfig({
      env: {},
      overrides: { dataDir, store: { url: database.url }, admin: { password: 'node-test-password-1' } },
    }),
    createLogger('silent'),
    { prepare: true, taskTypes: testTaskTypes },
  ));
  workspaceId = await createWorkspace(ctx.db, 'nodes');
  await Promise.all([startNode('A'), startNode('B')]);
});

after(async () => {
  // SIGTERM: a node closes (engine stopped gracefully) and exits; whatever is left gets SIGKILL.
  for (const node of nodes) killGroup(node, 'SIGTERM');
  await Promise.all(nodes.map((n) => Promise.race([n.exited, sleep(5000)])));
  for (const node of nodes) killGroup(node, 'SIGKILL');
  await Promise.all(nodes.map((n) => Promise.race([n.exited, sleep(2000)])));
  await ctx?.close();
  await database?.drop();
});

test('200 scheduled fires run exactly once across two nodes', async (t) => {
  const dir = makeTempDir('gs-nodes-200-');
  const batchIds: string[] = [];
  const setupStarted = Date.now();
  for (let i = 0; i < 200; i++) {
    const name = `m${String(i).padStart(3, '0')}`;
    const config = await createConfiguration(
      ctx.db,
      workspaceId,
      `fire-${name}`,
      [{ name: 'marker', type: 'test.create-marker', parameters: { dir: '${dir}', name } }],
      { dir },
    );
    batchIds.push(await createBatch(ctx.db, workspaceId, config.id, 'scheduled', [config.taskIds.marker!]));
  }
  t.diagnostic(`200 batches created in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`);
  const fireAt = await fireOnce(batchIds, 1500);
  const ended = async () => {
    const rows = await ctx.db
      .selectFrom('batch_runs')
      .select(['id', 'batch_id', 'status', 'trigger', 'fire_time', 'node_id', 'ended_at'])
      .where('batch_id', 'in', batchIds)
      .execute();
    return rows.filter((r) => r.ended_at !== null).length >= 200 && rows;
  };
  await waitFor('200 ended runs', ended, 60_000);
  const allEndedAt = Date.now();
  await sleep(1500); // a duplicate would show up by now
  const runs = (await ended()) || [];

  assert.equal(runs.length, 200, 'exactly 200 batch runs');
  assert.equal(new Set(runs.map((r) => r.batch_id)).size, 200, 'each batch exactly once');
  assert.deepEqual(
    countBy(runs, (r) => r.status),
    { committed: 200 },
  );
  assert.ok(
    runs.every((r) => r.fire_time?.getTime() === fireAt.getTime()),
    'every run is for the one fire',
  );
  const files = readdirSync(dir);
  assert.equal(files.filter((f) => !f.endsWith('.tmp')).length, 200, 'every marker committed');
  assert.deepEqual(
    files.filter((f) => f.endsWith('.tmp')),
    [],
  );
  const staged = await ctx.db.selectFrom('staged_objects').select('id').where('state', '=', 'staged').execute();
  assert.equal(staged.length, 0);

  const byNode = countBy(runs, (r) => nodeOf(r.node_id));
  const triggers = countBy(runs, (r) => r.trigger);
  const lastEnd = Math.max(...runs.map((r) => r.ended_at!.getTime()));
  t.diagnostic(
    `fire at ${fireAt.toISOString()}; all 200 ended ${((lastEnd - fireAt.getTime()) / 1000).toFixed(1)} s after it ` +
      `(seen ${((allEndedAt - fireAt.getTime()) / 1000).toFixed(1)} s); runs by node ${JSON.stringify(byNode)}; triggers ${JSON.stringify(triggers)}`,
  );
  if (Object.keys(byNode).length < 2) t.diagnostic('only one node executed runs this time');
});

test('kill -9 of the node holding a run: the other node recovers it, nothing left staged', async (t) => {
  const dir = makeTempDir('gs-nodes-kill-');
  const config = await createConfiguration(
    ctx.db,
    workspaceId,
    'killed',
    [
      { name: 'first', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'first' } },
      { name: 'second', type: 'test.create-marker', parameters: { dir: '${dir}', name: 'second', waitSeconds: '30' } },
    ],
    { dir },
  );
  const batchId = await createBatch(ctx.db, workspaceId, config.id, 'slow', [
    config.taskIds.first!,
    config.taskIds.second!,
  ]);
  await fireOnce([batchId], 1000);
  // Held: the second task is running and has staged its marker.
  const run = await waitFor(
    'the run to be in its second task',
    async () => {
      const row = await ctx.db
        .selectFrom('batch_runs')
        .select(['id', 'node_id'])
        .where('batch_id', '=', batchId)
        .executeTakeFirst();
      if (!row) return undefined;
      const statuses = await taskStatuses(ctx.db, row.id);
      return statuses[1] === 'running' && existsSync(path.join(dir, 'second.tmp')) && row;
    },
    20_000,
  );
  assert.deepEqual(readdirSync(dir).sort(), ['first.tmp', 'second.tmp']);
  const holder = nodes.find((n) => run.node_id?.includes(`-${n.pid}-`));
  assert.ok(holder, `no node matches ${run.node_id}`);
  const survivor = nodes.find((n) => n !== holder && n.child.exitCode === null && n.child.signalCode === null)!;
  const claims = await ctx.db.selectFrom('task_claims').select('task_id').execute();
  assert.deepEqual(
    claims.map((c) => c.task_id),
    [config.taskIds.second],
    'the holder claims the running task',
  );

  const killedAt = Date.now();
  killGroup(holder, 'SIGKILL');
  await holder.exited;
  const ended = await waitFor(
    'the run to be recovered',
    async () => {
      const row = await ctx.db
        .selectFrom('batch_runs')
        .select(['status', 'ended_at', 'node_id', 'lease_expires_at'])
        .where('id', '=', run.id)
        .executeTakeFirstOrThrow();
      return row.ended_at !== null && row;
    },
    30_000,
  );
  const recoverySeconds = (Date.now() - killedAt) / 1000;
  const recoveredAfter = (ended.ended_at!.getTime() - killedAt) / 1000;

  assert.equal(ended.status, 'failed');
  assert.equal(nodeOf(ended.node_id), survivor.name, 'recovered by the other node');
  assert.deepEqual(await taskStatuses(ctx.db, run.id), ['rolled_back', 'failed']);
  assert.deepEqual(readdirSync(dir), [], 'both staged .tmp markers are gone, nothing committed');
  const staged = await ctx.db
    .selectFrom('staged_objects')
    .innerJoin('task_runs', 'task_runs.id', 'staged_objects.task_run_id')
    .select(['staged_objects.name', 'staged_objects.state'])
    .where('task_runs.batch_run_id', '=', run.id)
    .execute();
  assert.deepEqual(
    staged.map((s) => s.state),
    ['rolled_back', 'rolled_back'],
  );
  const anyStaged = await ctx.db.selectFrom('staged_objects').select('id').where('state', '=', 'staged').execute();
  assert.equal(anyStaged.length, 0, 'no staged rows anywhere');
  assert.deepEqual(await ctx.db.selectFrom('task_claims').selectAll().execute(), [], 'no task claims remain');
  const log = await ctx.db.selectFrom('run_log').select('message').where('batch_run_id', '=', run.id).execute();
  assert.ok(log.some((l) => l.message.startsWith('recovering the run')));
  t.diagnostic(
    `killed node ${holder.name}; node ${survivor.name} ended the run ${recoveredAfter.toFixed(1)} s after the kill ` +
      `(seen after ${recoverySeconds.toFixed(1)} s; lease ${LEASE_MS / 1000} s, tick ${TUNING.tickMs} ms)`,
  );
  assert.ok(recoveredAfter < LEASE_MS / 1000 + 5, `recovery took ${recoveredAfter.toFixed(1)} s`);
});
