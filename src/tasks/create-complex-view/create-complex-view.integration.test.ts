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
import { createComplexViewTask } from './create-complex-view.task.ts';

let database: TestDatabase;
let db: TestPgDatabase;

before(async () => {
  database = await createTestDatabase('ccview');
  db = createTestPgDatabase(database.url, 'app');
});
after(async () => {
  await db?.close();
  await database?.drop();
});
beforeEach(async () => {
  await resetSchemas(db.pool, ['app', 'Other Schema']);
  await db.pool.query(`CREATE TABLE "Other Schema"."Road Names" (id int, label text, kind text)`);
  await db.pool.query(
    `INSERT INTO "Other Schema"."Road Names" VALUES (1, 'a1', 'public'), (2, 'b2', 'O''Brien'), (3, 'c3', 'public')`,
  );
});

const attributes = {
  table: 'Other Schema.Road Names',
  columns: 'id, label',
  kind: "O'Brien",
  evil: "'; DROP TABLE app.keep; --",
  'evil-name': 'x"; DROP TABLE keep; --',
  'evil-raw': 'true; DROP TABLE app.keep',
};
const params = (definition: string, viewName = 'complex') =>
  createComplexViewTask.parameters.parse({ database: DATABASE, 'view-name': viewName, definition }) as Parameters<
    typeof createComplexViewTask.run
  >[0];

async function commitAll(ctx: FakeRunContext) {
  for (const object of ctx.staged) await createComplexViewTask.commitStaged(object, ctx);
}
async function rollbackAll(ctx: FakeRunContext) {
  for (const object of [...ctx.staged].reverse()) await createComplexViewTask.rollbackStaged(object, ctx);
}
const code = (expected: string, message?: RegExp) => (error: Error & { code?: string }) => {
  assert.equal(error.code, expected, error.message);
  if (message) assert.match(error.message, message);
  return true;
};

test('placeholders in their three forms; run stages, commit swaps in', async () => {
  const ctx = fakeRunContext(db, { attributes });
  await createComplexViewTask.run(
    params('SELECT ${columns} FROM ${table:ident} t\nWHERE t.kind = ${kind:literal} OR t.id = 3 -- ${columns}\n;'),
    ctx,
  );
  assert.equal(ctx.staged[0]!.name, 'gis:app.complex');
  assert.deepEqual(ctx.existedWhenStaged, [false]);
  assert.equal(await relationExists(db.pool, 'app', 'complex'), false);
  await commitAll(ctx);
  assert.deepEqual(await labelsOf(db.pool, 'app.complex'), ['b2', 'c3']);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('run then rollback leaves nothing', async () => {
  const ctx = fakeRunContext(db, { attributes });
  await createComplexViewTask.run(params('SELECT label FROM ${table:ident}'), ctx);
  await rollbackAll(ctx);
  assert.equal(await relationExists(db.pool, 'app', 'complex'), false);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('a placeholder naming no attribute fails, naming it, before anything is created', async () => {
  const ctx = fakeRunContext(db, { attributes });
  await assert.rejects(
    createComplexViewTask.run(params('SELECT ${columns} FROM ${tabel:ident}'), ctx),
    code('unknown_attribute', /'tabel'/),
  );
  assert.deepEqual(ctx.staged, []);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('values cannot break out: literals and identifiers are quoted, raw text is held to one statement', async () => {
  await db.pool.query(`CREATE TABLE app.keep (x int)`);
  const quoted = fakeRunContext(db, { attributes });
  await createComplexViewTask.run(params('SELECT ${evil:literal} AS label, 1 AS ${evil-name:ident}'), quoted);
  await commitAll(quoted);
  assert.deepEqual(await labelsOf(db.pool, 'app.complex'), [attributes.evil]);
  const { rows } = await db.pool.query<{ one: number }>(`SELECT "x""; DROP TABLE keep; --" AS one FROM app.complex`);
  assert.equal(rows[0]?.one, 1);

  const raw = fakeRunContext(db, { attributes });
  await assert.rejects(
    createComplexViewTask.run(params('SELECT 1 WHERE ${evil-raw}', 'raw'), raw),
    code('unsafe_sql', /definition contains a ";"/),
  );
  assert.deepEqual(raw.staged, []);
  assert.equal(await relationExists(db.pool, 'app', 'keep'), true);
});

test('bad view names and schemas fail clearly', async () => {
  const ctx = fakeRunContext(db, { attributes });
  await assert.rejects(createComplexViewTask.run(params('SELECT 1', 'nowhere.v'), ctx), code('schema_not_found'));
  await assert.rejects(
    createComplexViewTask.run(params('SELECT 1', `"${'x'.repeat(64)}"`), ctx),
    code('invalid_view_name', /longer than/),
  );
  await createComplexViewTask.run(params('SELECT 1 AS one', '"Other Schema"."Mixed ""Case"" view"'), ctx);
  await commitAll(ctx);
  assert.equal(await relationExists(db.pool, 'Other Schema', 'Mixed "Case" view'), true);
});

test('a table staged earlier in the run: raw and ident placeholders read it, the final table after commit', async () => {
  const copied = await stageCopiedTable(db.pool, { schema: 'app', name: 'parcels' }, ['new1', 'new2']);
  const ctx = fakeRunContext(db, { attributes: { t: 'parcels', q: 'app.parcels' }, earlier: [copied] });
  await createComplexViewTask.run(
    params("SELECT a.label FROM ${t:ident} a JOIN ${q} b USING (id) WHERE ${q:literal} = 'app.parcels'"),
    ctx,
  );
  await commitAll(ctx);
  assert.deepEqual(await labelsOf(db.pool, 'app.complex'), ['new1', 'new2']);
  await db.withSession((session) => swapIn(session, copied.data as StagedRelation), new AbortController().signal);
  assert.deepEqual(await labelsOf(db.pool, 'app.complex'), ['new1', 'new2']);
  const { rows } = await db.pool.query<{ def: string }>(`SELECT pg_get_viewdef('app.complex'::regclass) AS def`);
  assert.doesNotMatch(rows[0]!.def, /_temp_/);
  assert.deepEqual(await leftoverTemps(db.pool), []);
});

test('cleanup refuses to drop a view others depend on, naming them', async () => {
  const ctx = fakeRunContext(db, { attributes });
  await createComplexViewTask.run(params('SELECT label FROM ${table:ident}'), ctx);
  await commitAll(ctx);
  await db.pool.query(`CREATE VIEW "Other Schema".reader AS SELECT label FROM app.complex`);
  await assert.rejects(
    createComplexViewTask.cleanup!(params('SELECT 1'), ctx),
    code('view_in_use', /Other Schema\.reader/),
  );
  await db.pool.query(`DROP VIEW "Other Schema".reader`);
  await createComplexViewTask.cleanup!(params('SELECT 1'), ctx);
  assert.equal(await relationExists(db.pool, 'app', 'complex'), false);
});
