/**
 * Orchestration at scale (issue 3), on a fresh PostgreSQL database: n configurations with one
 * scheduled batch each.
 *
 * (a) Scheduling overhead: `claimDueFires` per tick with nothing due and with all n due, and one
 *     engine tick with all n due (claim + create the run + enqueue the job), i.e. per run.
 * (b) CSV bulk import of n rows through the configurations service, against a plain multi-row
 *     INSERT of the same rows (configurations, tasks, batches, batch elements) in one transaction.
 *
 *   npx tsx bench/scheduling.bench.ts [n=10000]
 *
 * Uses GEOSYNC_TEST_PG_URL when set, else starts a private PostgreSQL cluster (test/helpers/postgres.ts).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';

import { sql } from 'kysely';

import { loadConfig } from '../src/config/load-config.ts';
import { bulkImportFromCsv } from '../src/domain/configurations/bulk-import.ts';
import type { Principal } from '../src/domain/security/principal.ts';
import { createEngine } from '../src/engine/engine.ts';
import { createRun } from '../src/engine/executor/create-run.ts';
import { createPgBossQueue } from '../src/engine/jobs/pg-boss-queue.ts';
import { claimDueFires } from '../src/engine/scheduler/schedule-loop.ts';
import { createLogger } from '../src/lib/logger.ts';
import { createGeosync } from '../src/main.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { makeTempDir } from '../test/helpers/temp-dir.ts';
import { testTaskTypes } from '../test/tasks/test-task-types.ts';

const n = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a positive integer, got ${process.argv[2]}`);

const ADMIN: Principal = {
  userId: '00000000-0000-0000-0000-000000000000',
  username: '(bench)',
  displayName: 'Benchmark',
  roles: ['admin'],
  isAdmin: true,
  via: 'cli',
};
const out = (line = '') => process.stdout.write(`${line}\n`);
const ms = (from: number) => performance.now() - from;
const fmt = (value: number, digits = 1) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

const database = await createTestDatabase('bench');
const dataDir = makeTempDir('gs-bench-');
const silent = createLogger('silent');
const { ctx } = await createGeosync(
  loadConfig({
    env: {},
    overrides: {
      dataDir,
      store: { url: database.url },
      admin: { password: 'bench-password-1' },
      log: { level: 'warn' },
    },
  }),
  silent,
  { prepare: true, taskTypes: testTaskTypes },
);
const { db } = ctx;

try {
  const pg = await sql<{ server_version: string }>`SHOW server_version`.execute(db);
  out(`scheduling benchmark: n = ${n}, Node ${process.version}, PostgreSQL ${pg.rows[0]?.server_version}`);
  out(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB`);
  out();

  // A template with one task and a daily batch; every configuration is a copy of it.
  for (const name of ['bench', 'plain']) await ctx.workspaces.create(ADMIN, name, '');
  const template = await ctx.configurations.create(ADMIN, {
    workspace: 'bench',
    name: 'template',
    description: 'one marker task',
    template: true,
    attributes: {},
    tasks: [{ name: 'marker', type: 'test.create-marker', parameters: { dir: '${dir}', name: '${file}' } }],
  });
  await ctx.batches.create(ADMIN, {
    workspace: 'bench',
    configuration: template.id,
    name: 'nightly',
    tasks: [template.tasks[0]!.id],
    schedule: { kind: 'daily', time: '02:30' },
  });
  const markerDir = makeTempDir('gs-bench-markers-');

  // ---- (b) CSV bulk import against a plain multi-row INSERT ---------------------------------
  const names = Array.from({ length: n }, (_, i) => `site-${String(i).padStart(6, '0')}`);
  const csv = `name,description,dir,file\n${names.map((name) => `${name},"row, quoted",${markerDir},${name}.txt`).join('\n')}\n`;
  let started = performance.now();
  const imported = await bulkImportFromCsv(ctx.configurations, ADMIN, template.id, csv);
  const importMs = ms(started);
  if (imported.created !== n) throw new Error(`bulk import created ${imported.created} of ${n}`);
  const notValidated = imported.rows.filter((r) => !r.validated).length;
  if (notValidated > 0) throw new Error(`${notValidated} imported configurations are not validated`);

  const plainWorkspace = await db
    .selectFrom('workspaces')
    .select('id')
    .where('name', '=', 'plain')
    .executeTakeFirstOrThrow();
  const templateTask = await db
    .selectFrom('tasks')
    .select(['name', 'type', 'parameters'])
    .where('configuration_id', '=', template.id)
    .executeTakeFirstOrThrow();
  const CHUNK = 1000;
  started = performance.now();
  await db.transaction().execute(async (trx) => {
    for (let from = 0; from < n; from += CHUNK) {
      const chunk = names.slice(from, from + CHUNK);
      const configs = await trx
        .insertInto('configurations')
        .values(
          chunk.map((name) => ({
            workspace_id: plainWorkspace.id,
            name,
            description: 'row, quoted',
            template_id: template.id,
            validated: true,
            attributes: JSON.stringify({ dir: markerDir, file: `${name}.txt` }),
          })),
        )
        .returning('id')
        .execute();
      const tasks = await trx
        .insertInto('tasks')
        .values(
          configs.map((c) => ({
            configuration_id: c.id,
            name: templateTask.name,
            type: templateTask.type,
            parameters: JSON.stringify(templateTask.parameters),
            position: 0,
          })),
        )
        .returning('id')
        .execute();
      const batches = await trx
        .insertInto('batches')
        .values(
          configs.map((c) => ({
            workspace_id: plainWorkspace.id,
            configuration_id: c.id,
            name: 'nightly',
            enabled: false,
            schedule: JSON.stringify({ kind: 'daily', time: '02:30' }),
          })),
        )
        .returning('id')
        .execute();
      await trx
        .insertInto('batch_elements')
        .values(batches.map((b, i) => ({ batch_id: b.id, position: 0, task_id: tasks[i]!.id })))
        .execute();
    }
  });
  const insertMs = ms(started);
  out(`(b) CSV bulk import of ${n} rows (configuration + task + batch each)`);
  out(`    bulkImportFromCsv via the service     ${fmt(importMs / 1000, 2)} s  (${fmt(importMs / n, 2)} ms/row)`);
  out(`    plain multi-row INSERT, 1 transaction ${fmt(insertMs / 1000, 2)} s  (${fmt(insertMs / n, 3)} ms/row)`);
  out(`    ratio service / plain INSERT          ${fmt(importMs / insertMs, 0)}x`);
  out();

  // The plain copies stay disabled: only the n imported batches are scheduled.
  await db
    .updateTable('batches')
    .set({ removed_at: new Date() })
    .where('workspace_id', '=', plainWorkspace.id)
    .execute();
  const benchWorkspace = await db
    .selectFrom('workspaces')
    .select('id')
    .where('name', '=', 'bench')
    .executeTakeFirstOrThrow();
  const scheduled = db
    .updateTable('batches')
    .where('workspace_id', '=', benchWorkspace.id)
    .where('configuration_id', '!=', template.id);
  const armAll = (lastFireAt: Date) => scheduled.set({ enabled: true, last_fire_at: lastFireAt }).executeTakeFirst();
  const armed = await armAll(new Date('2024-03-10T02:30:00Z'));
  if (Number(armed.numUpdatedRows) !== n) throw new Error(`armed ${armed.numUpdatedRows} batches, not ${n}`);

  // ---- (a) scheduling overhead -----------------------------------------------------------------
  out(`(a) scheduling: ${n} enabled daily batches (02:30 UTC)`);
  const idle: number[] = [];
  for (let i = 0; i < 6; i++) {
    started = performance.now();
    const fires = await claimDueFires(db, new Date(`2024-03-11T02:2${i}:00Z`), silent);
    idle.push(ms(started));
    if (fires.length !== 0) throw new Error(`${fires.length} fires when nothing is due`);
  }
  const cold = idle.shift()!;
  idle.sort((a, b) => a - b);
  out(
    `    claimDueFires, nothing due, 1st tick ${fmt(cold, 0)} ms (${fmt((cold * 1000) / n, 1)} µs per batch: next fires computed)`,
  );
  out(
    `    claimDueFires, nothing due, later    median ${fmt(idle[2]!, 0)} ms per tick (min ${fmt(idle[0]!, 0)}, max ${fmt(idle[4]!, 0)}), ${fmt((idle[2]! * 1000) / n, 1)} µs per batch`,
  );
  const due: number[] = [];
  for (let i = 0; i < 3; i++) {
    await armAll(new Date('2024-03-10T02:30:00Z'));
    started = performance.now();
    const fires = await claimDueFires(db, new Date('2024-03-11T02:30:05Z'), silent);
    due.push(ms(started));
    if (fires.length !== n) throw new Error(`${fires.length} fires of ${n}`);
  }
  due.sort((a, b) => a - b);
  out(
    `    claimDueFires, all ${n} due          median ${fmt(due[1]!, 0)} ms per tick, ${fmt((due[1]! * 1000) / n, 0)} µs per fire`,
  );

  // One engine tick: claim, create the run (batch_runs + task_runs), enqueue on pg-boss. No workers.
  await armAll(new Date('2024-03-10T02:30:00Z'));
  const queue = createPgBossQueue({ backend: 'postgres', url: database.url }, { logger: silent });
  await queue.start();
  const engine = createEngine({
    db,
    executor: ctx.executor,
    queue,
    logger: silent,
    now: () => new Date('2024-03-11T02:30:05Z'),
  });
  started = performance.now();
  await engine.tick();
  const tickMs = ms(started);
  const runs = await db
    .selectFrom('batch_runs')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  const jobs = await sql<{ count: string }>`SELECT count(*) FROM geosync_jobs.job WHERE name = 'batch-run'`.execute(db);
  if (Number(runs.count) !== n || Number(jobs.rows[0]?.count) !== n) {
    throw new Error(`the tick made ${runs.count} runs and ${jobs.rows[0]?.count} jobs, not ${n}`);
  }
  out(
    `    engine tick, all ${n} due            ${fmt(tickMs / 1000, 2)} s: ${fmt(tickMs / n, 2)} ms per run (claim + create run + enqueue)`,
  );
  started = performance.now();
  await engine.tick();
  out(`    engine tick after that (none due)    ${fmt(ms(started), 0)} ms`);

  // Where a run's scheduling time goes: the two steps after the claim, on a sample.
  const sample = (
    await db
      .selectFrom('batches')
      .select('id')
      .where('workspace_id', '=', benchWorkspace.id)
      .where('configuration_id', '!=', template.id)
      .limit(Math.min(n, 500))
      .execute()
  ).map((b) => b.id);
  const runIds: string[] = [];
  started = performance.now();
  for (const batchId of sample) runIds.push(await createRun(db, { batchId, trigger: 'manual' }));
  const createMs = ms(started) / sample.length;
  started = performance.now();
  for (const [i, runId] of runIds.entries()) {
    await queue.enqueue('batch-run', { runId }, { singletonKey: sample[i]!, key: `bench:${runId}`, retryLimit: 0 });
  }
  const enqueueMs = ms(started) / sample.length;
  out(
    `    of which, on ${sample.length} runs: createRun ${fmt(createMs, 2)} ms, enqueue (pg-boss send) ${fmt(enqueueMs, 2)} ms, claim ${fmt(due[1]! / n, 2)} ms`,
  );
  await queue.stop({ graceful: false });
} finally {
  await ctx.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
