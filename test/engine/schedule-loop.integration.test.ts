/**
 * The schedule loop (claimDueFires) on PostgreSQL with an injected clock: which batches fire, when,
 * how often, and what a misfire does. Every test removes its batches at the end, so a later test's
 * `now` does not fire them.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, before, test } from 'node:test';

import { UserError } from '../../src/errors/errors.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { claimDueFires, type DueFire } from '../../src/engine/scheduler/schedule-loop.ts';
import { migrate } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { createBatch, createConfiguration, createWorkspace } from './fixture.ts';

let database: TestDatabase;
let store: Store;
let workspaceId: string;
const logLines: string[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  }),
);
let serial = 0;

before(async () => {
  database = await createTestDatabase('sched');
  store = await openStore({ backend: 'postgres', url: database.url });
  await migrate(store.db);
  workspaceId = await createWorkspace(store.db);
});
after(async () => {
  await store?.close();
  await database?.drop();
});
afterEach(async () => {
  await store.db.updateTable('batches').set({ removed_at: new Date() }).where('removed_at', 'is', null).execute();
  logLines.length = 0;
});

const at = (iso: string) => new Date(iso);
const DAILY_0230 = { kind: 'daily', time: '02:30' } as const;

interface BatchSpec {
  schedule?: unknown;
  timeZone?: string;
  misfire?: 'run_once' | 'skip';
  lastFireAt?: Date | null;
  enabled?: boolean;
  name?: string;
  /** Configuration flags; `independent` makes a batch without a configuration. */
  configuration?: { validated?: boolean; template?: boolean; removed?: boolean } | 'independent';
  removed?: boolean;
}

/** A batch with one task (of a configuration, unless independent) and the given schedule fields. */
async function batch(spec: BatchSpec = {}): Promise<string> {
  const n = ++serial;
  const config = await createConfiguration(store.db, workspaceId, `c${n}`, [
    { name: 't', type: 'test.delay', parameters: { seconds: '0' } },
  ]);
  const independent = spec.configuration === 'independent';
  if (spec.configuration && spec.configuration !== 'independent') {
    const { validated = true, template = false, removed = false } = spec.configuration;
    await store.db
      .updateTable('configurations')
      .set({ validated, template, removed_at: removed ? new Date() : null })
      .where('id', '=', config.id)
      .execute();
  }
  const id = await createBatch(store.db, workspaceId, independent ? null : config.id, spec.name ?? `b${n}`, [
    config.taskIds.t!,
  ]);
  await store.db
    .updateTable('batches')
    .set({
      schedule: spec.schedule === null ? null : JSON.stringify(spec.schedule ?? DAILY_0230),
      time_zone: spec.timeZone ?? 'UTC',
      misfire: spec.misfire ?? 'run_once',
      last_fire_at: spec.lastFireAt === undefined ? at('2024-03-10T02:30:00Z') : spec.lastFireAt,
      enabled: spec.enabled ?? true,
      removed_at: spec.removed ? new Date() : null,
    })
    .where('id', '=', id)
    .execute();
  return id;
}

async function lastFireAt(batchId: string): Promise<string | undefined> {
  const row = await store.db
    .selectFrom('batches')
    .select('last_fire_at')
    .where('id', '=', batchId)
    .executeTakeFirstOrThrow();
  return row.last_fire_at?.toISOString();
}

const plain = (fires: DueFire[]) =>
  fires.map((f) => ({ batchId: f.batchId, fireTime: f.fireTime.toISOString(), trigger: f.trigger }));

test('a daily batch fires once at its time, not before, and again the next day', async () => {
  const id = await batch();
  assert.deepEqual(await claimDueFires(store.db, at('2024-03-11T02:29:59.999Z'), logger), [], 'not before its time');
  assert.equal(await lastFireAt(id), '2024-03-10T02:30:00.000Z', 'looking changes nothing');

  const fires = await claimDueFires(store.db, at('2024-03-11T02:30:00Z'), logger);
  assert.deepEqual(plain(fires), [{ batchId: id, fireTime: '2024-03-11T02:30:00.000Z', trigger: 'schedule' }]);
  assert.equal(await lastFireAt(id), '2024-03-11T02:30:00.000Z');

  assert.deepEqual(await claimDueFires(store.db, at('2024-03-11T02:30:00Z'), logger), [], 'same now: no second fire');
  assert.deepEqual(await claimDueFires(store.db, at('2024-03-11T02:30:40Z'), logger), [], 'later that minute: none');
  assert.deepEqual(await claimDueFires(store.db, at('2024-03-12T02:29:00Z'), logger), []);

  const next = await claimDueFires(store.db, at('2024-03-12T02:30:01Z'), logger);
  assert.deepEqual(plain(next), [{ batchId: id, fireTime: '2024-03-12T02:30:00.000Z', trigger: 'schedule' }]);
});

test('the schedule is read in the batch time zone', async () => {
  const id = await batch({ timeZone: 'Europe/Brussels', lastFireAt: at('2024-07-01T00:30:00Z') });
  // 02:30 in Brussels in July (UTC+2) is 00:30 UTC.
  assert.deepEqual(await claimDueFires(store.db, at('2024-07-02T00:29:59Z'), logger), []);
  const fires = await claimDueFires(store.db, at('2024-07-02T00:30:00Z'), logger);
  assert.deepEqual(plain(fires), [{ batchId: id, fireTime: '2024-07-02T00:30:00.000Z', trigger: 'schedule' }]);
});

test('a batch that never fired counts from its creation: no fire for the time before it', async () => {
  const id = await batch({ schedule: { kind: 'cron', expression: '0 * * * * ?' }, lastFireAt: null });
  const { created_at: created } = await store.db
    .selectFrom('batches')
    .select('created_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const nextMinute = new Date(Math.floor(created.getTime() / 60_000) * 60_000 + 60_000);
  assert.deepEqual(await claimDueFires(store.db, new Date(nextMinute.getTime() - 1), logger), []);
  const fires = await claimDueFires(store.db, nextMinute, logger);
  assert.deepEqual(plain(fires), [{ batchId: id, fireTime: nextMinute.toISOString(), trigger: 'schedule' }]);
});

test('two nodes looking at the same moment: each fire is claimed exactly once (compare-and-set)', async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 30; i++) ids.add(await batch());
  const other = await openStore({ backend: 'postgres', url: database.url });
  try {
    const now = at('2024-03-11T02:30:05Z');
    const results = await Promise.all([
      claimDueFires(store.db, now, logger),
      claimDueFires(other.db, now, logger),
      claimDueFires(store.db, now, logger),
      claimDueFires(other.db, now, logger),
    ]);
    const all = results.flat();
    assert.equal(all.length, 30, `fires claimed per caller: ${results.map((r) => r.length).join(', ')}`);
    assert.deepEqual(new Set(all.map((f) => f.batchId)), ids, 'each batch once');
    assert.ok(all.every((f) => f.trigger === 'schedule' && f.fireTime.toISOString() === '2024-03-11T02:30:00.000Z'));
    assert.deepEqual(await claimDueFires(other.db, now, logger), []);
  } finally {
    await other.close();
  }
});

test('down for 3 days, misfire run_once: exactly one catch-up fire, for the latest missed time', async () => {
  const id = await batch({ lastFireAt: at('2024-03-08T02:30:00Z'), misfire: 'run_once' });
  const now = at('2024-03-11T09:00:00Z');
  const fires = await claimDueFires(store.db, now, logger);
  assert.deepEqual(plain(fires), [{ batchId: id, fireTime: '2024-03-11T02:30:00.000Z', trigger: 'misfire' }]);
  assert.equal(await lastFireAt(id), '2024-03-11T02:30:00.000Z');
  assert.deepEqual(await claimDueFires(store.db, now, logger), [], 'the catch-up happens once');
  const next = await claimDueFires(store.db, at('2024-03-12T02:30:00Z'), logger);
  assert.deepEqual(plain(next), [{ batchId: id, fireTime: '2024-03-12T02:30:00.000Z', trigger: 'schedule' }]);
});

test('down for 3 days, misfire skip: no fire, last_fire_at moves on, the next fire is on time', async () => {
  const id = await batch({ lastFireAt: at('2024-03-08T02:30:00Z'), misfire: 'skip' });
  const now = at('2024-03-11T09:00:00Z');
  assert.deepEqual(await claimDueFires(store.db, now, logger), []);
  assert.equal(await lastFireAt(id), '2024-03-11T02:30:00.000Z', 'the missed fires are handled (skipped)');
  assert.ok(logLines.some((line) => line.includes('misfire policy: skip') && line.includes(id)));
  assert.deepEqual(await claimDueFires(store.db, at('2024-03-12T02:29:00Z'), logger), []);
  const next = await claimDueFires(store.db, at('2024-03-12T02:30:00Z'), logger);
  assert.deepEqual(plain(next), [{ batchId: id, fireTime: '2024-03-12T02:30:00.000Z', trigger: 'schedule' }]);
});

test('one fire seen more than a minute late is a misfire: run_once runs it, skip does not', async () => {
  const once = await batch({ misfire: 'run_once' });
  const skip = await batch({ misfire: 'skip' });
  const fires = await claimDueFires(store.db, at('2024-03-11T02:35:00Z'), logger);
  assert.deepEqual(plain(fires), [{ batchId: once, fireTime: '2024-03-11T02:30:00.000Z', trigger: 'misfire' }]);
  assert.equal(await lastFireAt(skip), '2024-03-11T02:30:00.000Z');
});

test('a frequent schedule down for 3 days (4320 missed fires): still exactly one catch-up fire', async () => {
  const everyMinute = { kind: 'cron', expression: '0 * * * * ?' };
  const once = await batch({ schedule: everyMinute, lastFireAt: at('2024-03-08T09:00:00Z'), misfire: 'run_once' });
  const skip = await batch({ schedule: everyMinute, lastFireAt: at('2024-03-08T09:00:00Z'), misfire: 'skip' });
  const now = at('2024-03-11T09:00:30Z');
  const fires = await claimDueFires(store.db, now, logger);
  assert.deepEqual(plain(fires), [{ batchId: once, fireTime: '2024-03-11T09:00:00.000Z', trigger: 'misfire' }]);
  assert.equal(await lastFireAt(once), '2024-03-11T09:00:00.000Z');
  assert.equal(await lastFireAt(skip), '2024-03-11T09:00:00.000Z');
  for (let tick = 1; tick <= 3; tick++) {
    assert.deepEqual(await claimDueFires(store.db, new Date(now.getTime() + tick * 1000), logger), [], `tick ${tick}`);
  }
  const next = await claimDueFires(store.db, at('2024-03-11T09:01:00Z'), logger);
  const byId = (a: { batchId: string }, b: { batchId: string }) => a.batchId.localeCompare(b.batchId);
  assert.deepEqual(
    plain(next).sort(byId),
    [once, skip].map((batchId) => ({ batchId, fireTime: '2024-03-11T09:01:00.000Z', trigger: 'schedule' })).sort(byId),
  );
});

test('disabled, removed, @-named, template, not validated and unscheduled batches never fire', async () => {
  const fires = await batch({ configuration: 'independent' }); // the control: this one fires
  const never = {
    disabled: await batch({ enabled: false }),
    removed: await batch({ removed: true }),
    atNamed: await batch({ name: '@initialize' }),
    template: await batch({ configuration: { template: true } }),
    notValidated: await batch({ configuration: { validated: false } }),
    removedConfiguration: await batch({ configuration: { removed: true } }),
    unscheduled: await batch({ schedule: null }),
  };
  const claimed = await claimDueFires(store.db, at('2024-03-11T02:30:00Z'), logger);
  assert.deepEqual(
    claimed.map((f) => f.batchId),
    [fires],
  );
  for (const [what, id] of Object.entries(never)) {
    assert.equal(await lastFireAt(id), '2024-03-10T02:30:00.000Z', `${what}: untouched`);
  }
  assert.deepEqual(await claimDueFires(store.db, at('2024-03-15T02:30:00Z'), logger).then(plain), [
    { batchId: fires, fireTime: '2024-03-15T02:30:00.000Z', trigger: 'misfire' },
  ]);
});

test('an invalid stored schedule is logged (once) and skipped; the other batches still fire', async () => {
  const badCron = await batch({ schedule: { kind: 'cron', expression: 'every tuesday' } });
  const badZone = await batch({ timeZone: 'Mars/Olympus_Mons' });
  const badShape = await batch({ schedule: { kind: 'hourly' } });
  const good = await batch();
  const fires = await claimDueFires(store.db, at('2024-03-11T02:30:00Z'), logger);
  assert.deepEqual(
    fires.map((f) => f.batchId),
    [good],
  );
  for (const id of [badCron, badZone, badShape]) {
    assert.equal(await lastFireAt(id), '2024-03-10T02:30:00.000Z');
    const line = logLines.find((l) => l.includes(id));
    assert.ok(line, `no log line names batch ${id}`);
    assert.match(line, /cannot evaluate the schedule of a batch/);
    assert.equal((JSON.parse(line) as { level: number }).level, 40, 'a warning');
  }
  logLines.length = 0;
  assert.deepEqual(await claimDueFires(store.db, at('2024-03-11T02:30:01Z'), logger), []);
  assert.deepEqual(logLines, [], 'logged once, not on every tick');
});

test('a fire and the run it starts commit together: a failed record leaves the fire to claim again', async () => {
  const id = await batch({ configuration: 'independent' });
  const now = at('2024-03-11T02:30:00Z');
  const storeDown = () => Promise.reject(new Error('connection lost while recording the run'));
  await assert.rejects(claimDueFires(store.db, now, logger, storeDown), /connection lost/);
  assert.equal(await lastFireAt(id), '2024-03-10T02:30:00.000Z', 'the claim rolled back with the record');

  const recorded: string[] = [];
  const record = (_trx: unknown, fire: DueFire) => {
    recorded.push(fire.batchId);
    return Promise.resolve(`run-of-${fire.batchId}`);
  };
  const fires = await claimDueFires(store.db, now, logger, record);
  assert.deepEqual(
    fires.map((f) => f.runId),
    [`run-of-${id}`],
  );
  assert.equal(await lastFireAt(id), '2024-03-11T02:30:00.000Z');
  assert.deepEqual(await claimDueFires(store.db, now, logger, record), [], 'claimed once');
  assert.deepEqual(recorded, [id]);
});

test('a batch that cannot start gives up that fire only, with a warning', async () => {
  const id = await batch({ configuration: 'independent' });
  const empty = () => Promise.reject(new UserError('empty_batch', 'Batch has no tasks'));
  assert.deepEqual(await claimDueFires(store.db, at('2024-03-11T02:30:00Z'), logger, empty), []);
  assert.equal(await lastFireAt(id), '2024-03-11T02:30:00.000Z', 'not retried every tick');
  assert.ok(logLines.some((l) => l.includes(id) && l.includes('could not start')));
});
