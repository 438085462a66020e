import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { createTestPgDatabase, type TestPgDatabase } from '../../../test/helpers/pg-database.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import {
  DATABASE,
  fakeRunContext,
  type FakeRunContext,
  labelsOf,
  leftoverTemps,
  relationExists,
  resetSchemas,
  stageCopiedTable,
} from '../../../test/tasks/view-test-context.ts';
import { type StagedRelation, swapIn } from '../sql/staging.ts';
import type { StagedObject } from '../task-type.ts';
import { createViewTask } from './create-view.task.ts';

let database: TestDatabase;
let db: TestPgDatabase;

before(async () => {
  database = await createTestDatabase('cview');
  db = createTestPgDatabase(database.url, 'app');
});
after(async () => {
  await db?.close();
  await database?.drop();
});
beforeEach(async () => {
  await resetSchemas(db.pool, ['app', 'Other Schema']);
  await db.pool.query(`CREATE TABLE app.roads (id serial PRIMARY KEY, label text, kind text)`);
  await db.pool.query(
    `INSERT INTO app.roads (label, kind) VALUES ('a1', 'public'), ('b2', 'private'), ('c3', 'public')`,
  );
});

const params = (overrides: Record<string, string> = {}) =>
  createViewTask.parameters.parse({
    database: DATABASE,
    'view-name': 'roads_view',
    'table-name': 'roads',
    'select-clause': 'id, label',
    ...overrides,
  }) as Parameters<typeof createViewTask.run>[0];

async function commitAll(ctx: FakeRunContext) {
  for (const object of ctx.staged) await createViewTask.commitStaged(object, ctx);
}
async function rollbackAll(ctx: FakeRunContext) {
  for (const object of [...ctx.staged].reverse()) await createViewTask.rollbackStaged(object, ctx);
}
const tempOf = (object: StagedObject) => (object.data as StagedRelation).temp;
const code = (expected: string, message?: RegExp) => (error: Error & { code?: string }) => {
  assert.equal(error.code, expected, error.message);
  if (message) assert.match(error.message, message);
  return true;
};

test('run stages the view under a temporary name first; commit swaps it in', async () => {
  const ctx = fakeRunContext(db);
  await createViewTask.run(params({ 'where-clause': "kind <> 'private' -- only public ones" }), ctx);
  assert.equal(ctx.staged.length, 1);
  assert.equal(ctx.staged[0]!.kind, 'view');
  assert.equal(ctx.staged[0]!.name, 'gis:app.roads_view');
  assert.deepEqual(ctx.existedWhenStaged, [false], 'recorded in the ledger before it was created');
  const temp = tempOf(ctx.staged[0]!);
  assert.match(temp, /^_temp_[0-9a-f]{8}_roads_view$/);
  assert.deepEqual(await labelsOf(db.pool, `app."${temp}"`), ['a1', 'c3']);
  assert.equal(await relationExists(db.pool, 'app', 'roads_view'), false, 'nothing final before commit');

  await commitAll(ctx);
  assert.deepEqual(await labelsOf(db.pool, 'app.roads_view'), ['a1', 'c3']);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('rollback drops the staged view and leaves the existing one as it was', async () => {
  await db.pool.query(`CREATE VIEW app.roads_view AS SELECT 'old'::text AS label`);
  const ctx = fakeRunContext(db);
  await createViewTask.run(params(), ctx);
  await rollbackAll(ctx);
  await rollbackAll(ctx); // idempotent: recovery may repeat it
  assert.deepEqual(await labelsOf(db.pool, 'app.roads_view'), ['old']);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('commit replaces an existing view and re-creates the views built on it', async () => {
  await db.pool.query(`CREATE VIEW app.roads_view AS SELECT id, 'old'::text AS label FROM app.roads`);
  await db.pool.query(`CREATE VIEW app.on_top AS SELECT label FROM app.roads_view`);
  const ctx = fakeRunContext(db);
  await createViewTask.run(params({ 'where-clause': "kind = 'public'" }), ctx);
  await commitAll(ctx);
  assert.deepEqual(await labelsOf(db.pool, 'app.on_top'), ['a1', 'c3']);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('a commit that would break a dependent view is refused and nothing changes', async () => {
  await db.pool.query(`CREATE VIEW app.roads_view AS SELECT id, label FROM app.roads`);
  await db.pool.query(`CREATE VIEW app.on_top AS SELECT label FROM app.roads_view`);
  const ctx = fakeRunContext(db);
  await createViewTask.run(params({ 'select-clause': 'id' }), ctx);
  await assert.rejects(commitAll(ctx), code('dependent_view_broken', /app\.on_top.*nothing was changed/));
  assert.deepEqual(await labelsOf(db.pool, 'app.on_top'), ['a1', 'b2', 'c3']);
  assert.deepEqual(await labelsOf(db.pool, 'app.roads_view'), ['a1', 'b2', 'c3']);
  await rollbackAll(ctx);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('names are taken as written: quotes, dots, mixed case, spaces, SQL text', async () => {
  await db.pool.query(`CREATE TABLE "Other Schema"."Mixed ""T"".x" (label text)`);
  await db.pool.query(`INSERT INTO "Other Schema"."Mixed ""T"".x" VALUES ('m')`);
  const cases = [
    {
      view: '"Other Schema"."We""ird.View Name"',
      table: '"Other Schema"."Mixed ""T"".x"',
      schema: 'Other Schema',
      name: 'We"ird.View Name',
    },
    { view: 'MixedCase', table: 'app.roads', schema: 'app', name: 'MixedCase' },
    { view: 'v; DROP TABLE roads; --', table: 'roads', schema: 'app', name: 'v; DROP TABLE roads; --' },
    { view: '"x\'); DROP TABLE app.roads; --"', table: 'roads', schema: 'app', name: "x'); DROP TABLE app.roads; --" },
  ];
  for (const c of cases) {
    const ctx = fakeRunContext(db);
    await createViewTask.run(params({ 'view-name': c.view, 'table-name': c.table, 'select-clause': 'label' }), ctx);
    await commitAll(ctx);
    assert.equal(await relationExists(db.pool, c.schema, c.name), true, c.view);
  }
  assert.equal(await relationExists(db.pool, 'app', 'roads'), true);
  assert.equal(await relationExists(db.pool, 'app', 'mixedcase'), false, 'not folded to lower case');
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('a table that does not exist fails clearly, before anything is staged', async () => {
  for (const table of ['nosuch', 'roads; DROP TABLE app.roads', 'app."Roads"']) {
    const ctx = fakeRunContext(db);
    await assert.rejects(
      createViewTask.run(params({ 'table-name': table }), ctx),
      code('table_not_found', /does not exist/),
    );
    assert.deepEqual(ctx.staged, []);
  }
  assert.equal(await relationExists(db.pool, 'app', 'roads'), true);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('a view schema that does not exist fails clearly; no schema is created', async () => {
  const ctx = fakeRunContext(db);
  await assert.rejects(
    createViewTask.run(params({ 'view-name': 'nowhere.v' }), ctx),
    code('schema_not_found', /Schema 'nowhere' does not exist/),
  );
  assert.deepEqual(ctx.staged, []);
  const { rows } = await db.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'nowhere'`);
  assert.equal(rows.length, 0);
});

test('select and where clauses cannot run a second statement or swallow the rest', async () => {
  const attempts: Record<string, string>[] = [
    { 'select-clause': '1; DROP TABLE app.roads' },
    { 'where-clause': 'true; DROP TABLE app.roads; --' },
    { 'where-clause': 'true) OR (true' },
    { 'select-clause': "label, '" },
    { 'select-clause': 'label /*' },
  ];
  for (const attempt of attempts) {
    const ctx = fakeRunContext(db);
    await assert.rejects(createViewTask.run(params(attempt), ctx), code('unsafe_sql'), JSON.stringify(attempt));
    assert.deepEqual(ctx.staged, []);
  }
  assert.deepEqual(await labelsOf(db.pool, 'app.roads'), ['a1', 'b2', 'c3']);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('a "--" comment ends with its line: it cannot cut off the FROM geosync adds', async () => {
  const ok = fakeRunContext(db);
  await createViewTask.run(params({ 'select-clause': 'label -- , kind' }), ok);
  await commitAll(ok);
  assert.deepEqual(await labelsOf(db.pool, 'app.roads_view'), ['a1', 'b2', 'c3']);

  const swallowing = fakeRunContext(db);
  await assert.rejects(
    createViewTask.run(params({ 'view-name': 'other', 'select-clause': "'x' AS label FROM pg_class --" }), swallowing),
    code('invalid_view_query', /syntax error/),
  );
  await rollbackAll(swallowing);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('SQL PostgreSQL refuses fails the task; rollback clears what was staged', async () => {
  const ctx = fakeRunContext(db);
  await assert.rejects(
    createViewTask.run(params({ 'select-clause': 'no_such_column' }), ctx),
    code('invalid_view_query', /no_such_column/),
  );
  assert.equal(ctx.staged.length, 1, 'staged before creating');
  await rollbackAll(ctx);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('a view never replaces a table: refused at run, and at commit if one appeared meanwhile', async () => {
  await db.pool.query(`CREATE TABLE app.taken (x int)`);
  await assert.rejects(
    createViewTask.run(params({ 'view-name': 'taken' }), fakeRunContext(db)),
    code('not_a_view', /app\.taken exists and is a table/),
  );

  const ctx = fakeRunContext(db);
  await createViewTask.run(params(), ctx);
  await db.pool.query(`CREATE TABLE app.roads_view (precious int)`);
  await assert.rejects(commitAll(ctx), code('not_a_view'));
  const { rows } = await db.pool.query<{ relkind: string }>(
    `SELECT relkind FROM pg_class WHERE oid = 'app.roads_view'::regclass`,
  );
  assert.equal(rows[0]?.relkind, 'r', 'the table is still there');
  await rollbackAll(ctx);
});

test('a table staged earlier in the run is read under its temporary name, and the final one after commit', async () => {
  await db.pool.query(`CREATE TABLE app.parcels (id serial PRIMARY KEY, label text)`);
  await db.pool.query(`INSERT INTO app.parcels (label) VALUES ('old')`);
  const copied = await stageCopiedTable(db.pool, { schema: 'app', name: 'parcels' }, ['new1', 'new2']);
  const ctx = fakeRunContext(db, { earlier: [copied] });
  await createViewTask.run(
    params({ 'view-name': 'parcel_view', 'table-name': 'parcels', 'select-clause': 'label' }),
    ctx,
  );
  assert.deepEqual(await labelsOf(db.pool, `app."${tempOf(ctx.staged[0]!)}"`), ['new1', 'new2']);

  // The engine commits in reverse order: the view (later task) first, then the copied table.
  await commitAll(ctx);
  assert.deepEqual(await labelsOf(db.pool, 'app.parcel_view'), ['new1', 'new2']);
  await db.withSession((session) => swapIn(session, copied.data as StagedRelation), new AbortController().signal);
  assert.deepEqual(await labelsOf(db.pool, 'app.parcels'), ['new1', 'new2']);
  assert.deepEqual(await labelsOf(db.pool, 'app.parcel_view'), ['new1', 'new2'], 'the view follows the rename');
  const { rows } = await db.pool.query<{ def: string }>(`SELECT pg_get_viewdef('app.parcel_view'::regclass) AS def`);
  assert.match(rows[0]!.def, /FROM (app\.)?parcels/);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('cleanup drops the view, but not one other views depend on, nor a table', async () => {
  const ctx = fakeRunContext(db);
  await createViewTask.run(params(), ctx);
  await commitAll(ctx);
  await db.pool.query(`CREATE VIEW app.on_top AS SELECT label FROM app.roads_view`);
  await assert.rejects(createViewTask.cleanup!(params(), ctx), code('view_in_use', /app\.roads_view.*app\.on_top/));
  assert.equal(await relationExists(db.pool, 'app', 'roads_view'), true);

  await db.pool.query(`DROP VIEW app.on_top`);
  await createViewTask.cleanup!(params(), ctx);
  assert.equal(await relationExists(db.pool, 'app', 'roads_view'), false);
  await createViewTask.cleanup!(params(), ctx); // already gone: nothing to do

  await assert.rejects(createViewTask.cleanup!(params({ 'view-name': 'roads' }), ctx), code('not_a_view'));
  assert.equal(await relationExists(db.pool, 'app', 'roads'), true);
});
