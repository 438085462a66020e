/**
 * CopyTable between two real PostgreSQL + PostGIS databases through the real postgis connector:
 * what the copy reproduces, commit and rollback, dependent views, bad names, interruption,
 * raw geometry columns, and one run through the engine.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import pg from 'pg';

import type { Connector } from '../../src/connectors/connector.ts';
import type { PostgresDatabase } from '../../src/connectors/database.ts';
import { geopackageConnectorType } from '../../src/connectors/geopackage/geopackage.connector.ts';
import { postgisConnectorType } from '../../src/connectors/postgis/postgis.connector.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { taskContext } from './task-context.ts';
import type { TaskConnections } from '../../src/tasks/task-type.ts';
import { copyTableTask as task } from '../../src/tasks/copy-table/copy-table.task.ts';

let sourceDb: TestDatabase;
let targetDb: TestDatabase;
let source: pg.Pool;
let target: pg.Pool;
const connectors: Connector[] = [];
let connections: TaskConnections;

/** Rows as plain records: the assertions say what they expect of each field. */
const q = (pool: pg.Pool, text: string) => pool.query<Record<string, unknown>>(text);
const first = async (pool: pg.Pool, text: string) => (await q(pool, text)).rows[0] ?? {};

function open(url: string, extra: Record<string, unknown> = {}): Connector & PostgresDatabase {
  const u = new URL(url);
  const connector = postgisConnectorType.create(
    postgisConnectorType.config.parse({
      host: u.hostname,
      port: Number(u.port),
      database: u.pathname.slice(1),
      user: decodeURIComponent(u.username),
      sslMode: 'disable',
      ...extra,
    }),
    { dataDir: '/nonexistent' },
  ) as Connector & PostgresDatabase;
  connectors.push(connector);
  return connector;
}

before(async () => {
  sourceDb = await createTestDatabase('copysrc');
  targetDb = await createTestDatabase('copydst');
  source = new pg.Pool({ connectionString: sourceDb.url });
  target = new pg.Pool({ connectionString: targetDb.url });
  // An idle client whose backend the interrupt test's cancellation or a database drop ends must
  // not become an uncaught error; the assertions read every result they need.
  for (const pool of [source, target]) pool.on('error', () => undefined);
  // A real GeoPackage (test/fixtures/geopackage) in a data folder's `local` file service.
  const dataDir = makeTempDir('gs-copy-gpkg-');
  mkdirSync(path.join(dataDir, 'files'));
  copyFileSync(
    path.join(import.meta.dirname, '../fixtures/geopackage/sample.gpkg'),
    path.join(dataDir, 'files/sample.gpkg'),
  );
  const gpkg = geopackageConnectorType.create(geopackageConnectorType.config.parse({ path: 'sample.gpkg' }), {
    dataDir,
  });
  connectors.push(gpkg);
  const byName: Record<string, Connector & PostgresDatabase> = {
    src: open(sourceDb.url),
    dst: open(targetDb.url),
    raw: open(sourceDb.url, { rawGeometryTable: { table: 'geometry_meta', encoding: 'WKT' } }),
    gpkg: gpkg as Connector & PostgresDatabase,
  };
  const get = (name: string) => {
    const found = byName[name];
    return found ? Promise.resolve(found) : Promise.reject(new Error(`no database ${name}`));
  };
  connections = {
    database: get,
    postgres: get,
    fileService: () => Promise.reject(new Error('no files here')),
    localMapServer: 'local',
    mapServer: () => Promise.reject(new Error('no map server here')),
  };
  await q(
    source,
    `
    CREATE TABLE roads (
      id serial PRIMARY KEY,
      code varchar(20) NOT NULL UNIQUE,
      name text DEFAULT 'unnamed',
      lanes smallint NOT NULL DEFAULT 2,
      width numeric(6,2),
      open boolean,
      opened date,
      updated timestamptz DEFAULT now(),
      tags jsonb,
      raw bytea,
      geom geometry(LineString,2154) NOT NULL
    );
    CREATE INDEX roads_name_lower ON roads (lower(name)) WHERE lanes > 1;
    CREATE INDEX roads_geom_idx ON roads USING gist (geom);
    COMMENT ON TABLE roads IS 'Road network';
    COMMENT ON COLUMN roads.code IS 'National road code';
    INSERT INTO roads (code, name, lanes, width, open, opened, tags, raw, geom)
      SELECT 'R' || i, CASE WHEN i % 7 = 0 THEN NULL ELSE E'name\\t' || i || E'\\n''quoted'' \\\\ é' END,
             1 + i % 4, i * 0.25, i % 2 = 0, date '2020-01-01' + i, jsonb_build_object('i', i), decode('00ff', 'hex'),
             ST_SetSRID(ST_MakeLine(ST_MakePoint(i, i), ST_MakePoint(i + 1, i + 1)), 2154)
        FROM generate_series(1, 2000) AS i;
    CREATE VIEW wide_roads AS SELECT code, width, geom FROM roads WHERE lanes >= 3;
  `,
  );
});

after(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await source?.end();
  await target?.end();
  await sourceDb?.drop();
  await targetDb?.drop();
});

async function copy(params: Record<string, string>, signal?: AbortSignal) {
  const ctx = taskContext(connections, { signal });
  const parsed = task.parameters.parse({ 'source-database': 'src', 'target-database': 'dst', ...params });
  const outcome = await task.run(parsed as never, ctx);
  return { ctx, outcome, staged: ctx.staged[0]! };
}
const commit = (staged: Parameters<typeof task.commitStaged>[0]) => task.commitStaged(staged, taskContext(connections));
const rollback = (staged: Parameters<typeof task.rollbackStaged>[0]) =>
  task.rollbackStaged(staged, taskContext(connections));

const columnsOf = async (pool: pg.Pool, table: string) =>
  (
    await pool.query<{ name: string; type: string; notnull: boolean }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull
         FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [table],
    )
  ).rows;
const tempTables = async () =>
  (
    await target.query<{ relname: string }>(
      `SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%' AND relkind IN ('r', 'v')`,
    )
  ).rows.map((r) => r.relname);
const rowHash = async (pool: pg.Pool, query: string) =>
  (await pool.query<{ h: string }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM (${query}) t`))
    .rows[0]!.h;

test('a table is staged under a temporary name, then swapped in with its types, keys, indexes and comments', async () => {
  const { staged, outcome, ctx } = await copy({ 'table-name': 'roads' });
  assert.match(outcome.message ?? '', /^copied 2,000 rows .* by binary COPY/);
  assert.equal((await first(target, `SELECT to_regclass('public.roads') AS r`)).r, null, 'not visible before commit');
  assert.equal((await tempTables()).length, 1);
  assert.ok(ctx.progressReports.some((p) => p.unit === 'rows' && p.done === 2000));

  await commit(staged);
  assert.deepEqual(await columnsOf(target, 'roads'), await columnsOf(source, 'roads'));
  assert.equal(
    await rowHash(target, 'SELECT id, code, name, lanes, width, open, opened, tags, raw, ST_AsEWKT(geom) FROM roads'),
    await rowHash(source, 'SELECT id, code, name, lanes, width, open, opened, tags, raw, ST_AsEWKT(geom) FROM roads'),
  );
  const indexes = (
    await target.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'roads' ORDER BY indexname`,
    )
  ).rows;
  assert.deepEqual(
    indexes.map((i) => i.indexname),
    ['roads_code_key', 'roads_geom_idx', 'roads_name_lower', 'roads_pkey'],
  );
  assert.match(indexes.find((i) => i.indexname === 'roads_name_lower')!.indexdef, /lower\(name\).*WHERE \(lanes > 1\)/);
  assert.match(indexes.find((i) => i.indexname === 'roads_geom_idx')!.indexdef, /USING gist \(geom\)/);
  assert.match(indexes.find((i) => i.indexname === 'roads_code_key')!.indexdef, /UNIQUE/);
  const comments = await q(
    target,
    `SELECT obj_description('roads'::regclass, 'pg_class') AS t, col_description('roads'::regclass, 2) AS c`,
  );
  assert.deepEqual(comments.rows[0], { t: 'Road network', c: 'National road code' });
  const defaults = await target.query<{ column_name: string; column_default: string | null }>(
    `SELECT column_name, column_default FROM information_schema.columns WHERE table_name = 'roads' ORDER BY ordinal_position`,
  );
  const byName = Object.fromEntries(defaults.rows.map((r) => [r.column_name, r.column_default]));
  assert.equal(byName.id, null, "the source's sequence does not exist here: no nextval default");
  assert.match(byName.name ?? '', /'unnamed'/);
  assert.match(byName.updated ?? '', /now\(\)/);
  const analyzed = await first(target, `SELECT reltuples FROM pg_class WHERE relname = 'roads'`);
  assert.equal(Number(analyzed.reltuples), 2000, 'ANALYZE ran after the load');
  assert.deepEqual(await tempTables(), []);
});

test('a view gets a generated_id key and a spatial index; a second copy replaces the first', async () => {
  for (let round = 0; round < 2; round++) {
    const { staged } = await copy({ 'table-name': 'wide_roads', 'target-table-name': 'wide' });
    await commit(staged);
  }
  const columns = await columnsOf(target, 'wide');
  assert.deepEqual(
    columns.map((c) => `${c.name} ${c.type}`),
    ['generated_id bigint', 'code character varying(20)', 'width numeric(6,2)', 'geom geometry(LineString,2154)'],
  );
  const count = (await q(target, 'SELECT count(*)::int AS n, count(DISTINCT generated_id)::int AS d FROM wide'))
    .rows[0];
  assert.deepEqual(count, { n: 1000, d: 1000 });
  const indexes = (await q(target, `SELECT indexdef FROM pg_indexes WHERE tablename = 'wide'`)).rows.map((r) =>
    String(r.indexdef),
  );
  assert.ok(indexes.some((d) => /UNIQUE INDEX wide_pkey .*\(generated_id\)/.test(d)));
  assert.ok(
    indexes.some((d) => /USING gist \(geom\)/.test(d)),
    'GiST index added',
  );
});

test('views on the target survive the swap and read the new rows; a view the new table breaks stops the commit', async () => {
  await q(target, 'DROP TABLE IF EXISTS hwy CASCADE');
  await q(target, `CREATE TABLE hwy (code text, width numeric); INSERT INTO hwy VALUES ('old', 1)`);
  await q(target, `CREATE VIEW hwy_codes AS SELECT code FROM hwy; CREATE VIEW hwy_codes2 AS SELECT * FROM hwy_codes`);
  await q(target, `COMMENT ON VIEW hwy_codes IS 'kept'`);
  const { staged } = await copy({ 'table-name': 'wide_roads', 'target-table-name': 'hwy' });
  await commit(staged);
  assert.equal((await first(target, 'SELECT count(*)::int AS n FROM hwy_codes2')).n, 1000);
  assert.equal((await first(target, `SELECT obj_description('hwy_codes'::regclass) AS c`)).c, 'kept');

  await q(target, 'CREATE VIEW hwy_lanes AS SELECT generated_id, width FROM hwy');
  const again = await copy({ 'table-name': 'roads', 'target-table-name': 'hwy' }); // has no generated_id
  await assert.rejects(commit(again.staged), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'dependent_view_broken');
    assert.match(e.message, /public\.hwy_lanes.*nothing was changed/);
    return true;
  });
  assert.equal((await first(target, 'SELECT count(*)::int AS n FROM hwy_lanes')).n, 1000, 'old table intact');
  await rollback(again.staged);
  assert.deepEqual(await tempTables(), []);
});

test('rollback drops the staged table and leaves the target as it was; it may be repeated', async () => {
  await q(target, `DROP TABLE IF EXISTS keep; CREATE TABLE keep (v int); INSERT INTO keep VALUES (42)`);
  const { staged } = await copy({ 'table-name': 'roads', 'target-table-name': 'keep' });
  await rollback(staged);
  await rollback(staged);
  assert.deepEqual((await q(target, 'SELECT v FROM keep')).rows, [{ v: 42 }]);
  assert.deepEqual(await tempTables(), []);
});

test('commit may be repeated after a crash: the second one finds the table in place', async () => {
  const { staged } = await copy({ 'table-name': 'wide_roads', 'target-table-name': 'twice' });
  await commit(staged);
  await commit(staged);
  assert.equal((await first(target, 'SELECT count(*)::int AS n FROM twice')).n, 1000);
});

test('names with quotes, dots, mixed case, spaces and SQL fragments are copied as names', async () => {
  const name = 'We"ird.Name; DROP TABLE roads; --';
  await q(source, `CREATE TABLE "We""ird.Name; DROP TABLE roads; --" ("Col ""1""" int PRIMARY KEY, "Mixed Case" text)`);
  await q(source, `INSERT INTO "We""ird.Name; DROP TABLE roads; --" VALUES (1, 'a'), (2, NULL)`);
  const { staged } = await copy({ 'table-name': `"${name.replaceAll('"', '""')}"` });
  await commit(staged);
  const rows = await q(target, `SELECT * FROM "We""ird.Name; DROP TABLE roads; --" ORDER BY 1`);
  assert.deepEqual(rows.rows, [
    { 'Col "1"': 1, 'Mixed Case': 'a' },
    { 'Col "1"': 2, 'Mixed Case': null },
  ]);
  assert.equal((await first(source, 'SELECT count(*)::int AS n FROM roads')).n, 2000, 'nothing injected');
});

test('a missing source table, a missing target schema: clear errors, nothing staged', async () => {
  await assert.rejects(copy({ 'table-name': 'no_such_table' }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'table_not_found');
    assert.match(e.message, /no_such_table.*src/);
    return true;
  });
  await assert.rejects(
    copy({ 'table-name': 'roads', 'target-table-name': 'nowhere.roads' }),
    (e: Error & { code?: string }) => e.code === 'schema_not_found' && /nowhere/.test(e.message),
  );
  assert.deepEqual(await tempTables(), []);
});

test('an interrupted copy stops promptly; rollback leaves nothing', async () => {
  await q(
    source,
    `CREATE TABLE big AS SELECT i AS id, md5(i::text) AS v, repeat('x', 200) AS pad
                        FROM generate_series(1, 600000) AS i`,
  );
  const controller = new AbortController();
  const ctx = taskContext(connections, { signal: controller.signal });
  const params = task.parameters.parse({ 'source-database': 'src', 'table-name': 'big', 'target-database': 'dst' });
  const running = task.run(params as never, ctx);
  setTimeout(() => controller.abort(new Error('interrupted by test')), 300);
  const started = Date.now();
  await assert.rejects(running);
  assert.ok(Date.now() - started < 3000, `stopped after ${Date.now() - started} ms`);
  await rollback(ctx.staged[0]!);
  assert.deepEqual(await tempTables(), []);
  assert.equal((await first(target, `SELECT to_regclass('public.big') AS r`)).r, null);
});

test('raw geometry columns named in the metadata table become PostGIS geometries', async () => {
  await q(
    source,
    `
    CREATE TABLE geometry_meta (table_name text, column_name text, geometry_type text, srid int);
    INSERT INTO geometry_meta VALUES ('parcels', 'shape', 'Point', 31370);
    CREATE TABLE parcels (id int PRIMARY KEY, shape text);
    INSERT INTO parcels VALUES (1, 'POINT(150000 170000)'), (2, NULL);`,
  );
  const ctx = taskContext(connections);
  const params = task.parameters.parse({ 'source-database': 'raw', 'table-name': 'parcels', 'target-database': 'dst' });
  await task.run(params as never, ctx);
  await commit(ctx.staged[0]!);
  assert.deepEqual(
    (await columnsOf(target, 'parcels')).map((c) => c.type),
    ['integer', 'geometry(Point,31370)'],
  );
  assert.deepEqual((await q(target, 'SELECT id, ST_AsEWKT(shape) AS g FROM parcels ORDER BY id')).rows, [
    { id: 1, g: 'SRID=31370;POINT(150000 170000)' },
    { id: 2, g: null },
  ]);
  const gist = await q(target, `SELECT 1 FROM pg_indexes WHERE tablename = 'parcels' AND indexdef LIKE '%gist%'`);
  assert.equal(gist.rowCount, 1);
});

test('clean-up drops the target table', async () => {
  const { staged } = await copy({ 'table-name': 'wide_roads', 'target-table-name': 'gone' });
  await commit(staged);
  const params = task.parameters.parse({
    'source-database': 'src',
    'table-name': 'wide_roads',
    'target-database': 'dst',
    'target-table-name': 'gone',
  });
  await task.cleanup!(params as never, taskContext(connections));
  assert.equal((await first(target, `SELECT to_regclass('public.gone') AS r`)).r, null);
});

test('a GeoPackage layer is copied by a text COPY, geometries with their SRID', async () => {
  const ctx = taskContext(connections);
  const params = task.parameters.parse({ 'source-database': 'gpkg', 'table-name': 'points', 'target-database': 'dst' });
  const outcome = await task.run(params as never, ctx);
  assert.match(outcome.message ?? '', /by text COPY/);
  await commit(ctx.staged[0]!);
  const geometry = (await columnsOf(target, 'points')).find((c) => c.type.startsWith('geometry'));
  assert.ok(geometry, 'a geometry column');
  const rows = await q(
    target,
    `SELECT ST_SRID(${geometry.name}) AS srid, ST_AsText(${geometry.name}) AS wkt FROM points`,
  );
  assert.ok(rows.rows.length > 0);
  const located = rows.rows.filter((r) => r.wkt !== null && r.wkt !== 'POINT EMPTY');
  assert.ok(located.length > 0, 'some points have coordinates');
  for (const row of located) {
    assert.equal(row.srid, Number(/\d+\)$/.exec(geometry.type)?.[0]?.slice(0, -1)), 'SRID of the column');
    assert.match(String(row.wkt), /^POINT\(/);
  }
  const gist = await q(target, `SELECT 1 FROM pg_indexes WHERE tablename = 'points' AND indexdef LIKE '%gist%'`);
  assert.equal(gist.rowCount, 1, 'the R*Tree became one GiST index');
});

test('an index name holding SQL is only a name: nothing it says runs on the target', async () => {
  await q(source, `CREATE TABLE tricky (id int PRIMARY KEY, v int)`);
  await q(source, `CREATE INDEX "x USING btree (v); CREATE TABLE pwned(); --" ON tricky (v)`);
  const { staged } = await copy({ 'table-name': 'tricky' });
  await commit(staged);
  assert.equal((await first(target, `SELECT to_regclass('public.pwned') AS r`)).r, null, 'no injected table');
  const indexes = await q(target, `SELECT indexdef FROM pg_indexes WHERE tablename = 'tricky' ORDER BY indexname`);
  assert.ok(
    indexes.rows.some((r) => /USING btree \(v\)/.test(String(r.indexdef))),
    'the index still exists, on its column',
  );
});

test('a table other tables reference by foreign key is not replaced; views keep their options and indexes', async () => {
  await q(target, `CREATE TABLE parents (id int PRIMARY KEY); CREATE TABLE kids (p int REFERENCES parents (id))`);
  await q(source, `CREATE TABLE parents (id int PRIMARY KEY, extra text)`);
  const { staged } = await copy({ 'table-name': 'parents' });
  await assert.rejects(commit(staged), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'dependent_object');
    assert.match(e.message, /kids_p_fkey of public\.kids/);
    return true;
  });
  assert.ok((await first(target, `SELECT to_regclass('public.kids') AS r`)).r, 'kids untouched');
  await rollback(staged);

  await q(target, `DROP TABLE IF EXISTS guarded CASCADE; CREATE TABLE guarded (code text, width numeric)`);
  await q(target, `CREATE VIEW guarded_v WITH (security_barrier = true) AS SELECT code FROM guarded`);
  await q(target, `CREATE MATERIALIZED VIEW guarded_m AS SELECT code FROM guarded`);
  await q(target, `CREATE INDEX guarded_m_code ON guarded_m (code)`);
  const again = await copy({ 'table-name': 'wide_roads', 'target-table-name': 'guarded' });
  await commit(again.staged);
  const options = await first(target, `SELECT reloptions::text AS o FROM pg_class WHERE relname = 'guarded_v'`);
  assert.equal(options.o, '{security_barrier=true}');
  const matview = await first(target, `SELECT count(*)::int AS n FROM guarded_m`);
  assert.equal(matview.n, 1000, 'the materialized view was filled from the new table');
  assert.ok((await first(target, `SELECT to_regclass('public.guarded_m_code') AS r`)).r, 'its index is back');
});

test('a target name longer than PostgreSQL allows is cut once, the same way every run', async () => {
  const long = `t${'x'.repeat(70)}`;
  for (let round = 0; round < 2; round++) {
    const { staged } = await copy({ 'table-name': 'wide_roads', 'target-table-name': long });
    await commit(staged);
  }
  const found = await first(
    target,
    `SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'txxx%' AND relkind = 'r'`,
  );
  assert.equal(found.n, 1);
});

test('clean-up drops the table the copy made, even when its dotted name reads as schema.table too', async () => {
  await q(source, `CREATE TABLE "Mixed.Case" (id int PRIMARY KEY)`);
  await q(
    target,
    `CREATE SCHEMA IF NOT EXISTS "Mixed"; CREATE TABLE "Case" (keep int); CREATE TABLE "Mixed"."Case" (keep int)`,
  );
  const { staged } = await copy({ 'table-name': 'Mixed.Case' });
  await commit(staged);
  assert.ok((await first(target, `SELECT to_regclass('public."Mixed.Case"') AS r`)).r);
  const params = task.parameters.parse({
    'source-database': 'src',
    'table-name': 'Mixed.Case',
    'target-database': 'dst',
  });
  await task.cleanup!(params as never, taskContext(connections));
  assert.equal((await first(target, `SELECT to_regclass('public."Mixed.Case"') AS r`)).r, null, 'ours is gone');
  assert.ok((await first(target, `SELECT to_regclass('public."Case"') AS r`)).r, 'the unrelated Case stays');
  assert.ok((await first(target, `SELECT to_regclass('"Mixed"."Case"') AS r`)).r, 'Mixed.Case in schema Mixed stays');
});

test('comments are written safely on a server that reads backslashes as escapes', async () => {
  const legacy = await createTestDatabase('copylegacy');
  let legacyDb: (Connector & PostgresDatabase) | undefined;
  try {
    const admin = new pg.Pool({ connectionString: legacy.url });
    await admin.query(`ALTER DATABASE ${legacy.name} SET standard_conforming_strings = off`);
    await admin.end();
    await q(source, `CREATE TABLE sneaky (id int PRIMARY KEY)`);
    await q(source, `COMMENT ON TABLE sneaky IS E'x\\\\''; CREATE TABLE pwned2(); --'`);
    legacyDb = open(legacy.url);
    const db = legacyDb;
    const ctx = taskContext({ ...connections, postgres: () => Promise.resolve(db) });
    const params = task.parameters.parse({ 'source-database': 'src', 'table-name': 'sneaky', 'target-database': 'x' });
    await task.run(params as never, ctx);
    await task.commitStaged(ctx.staged[0]!, taskContext({ ...connections, postgres: () => Promise.resolve(db) }));
    const check = new pg.Pool({ connectionString: legacy.url });
    const result = await check.query<{ pwned: string | null; comment: string }>(
      `SELECT to_regclass('public.pwned2')::text AS pwned, obj_description('sneaky'::regclass, 'pg_class') AS comment`,
    );
    await check.end();
    assert.deepEqual(result.rows[0], { pwned: null, comment: "x\\'; CREATE TABLE pwned2(); --" });
  } finally {
    // Its pool first: dropping the database terminates the connections a live pool still holds.
    await legacyDb?.close();
    await legacy.drop();
  }
});
