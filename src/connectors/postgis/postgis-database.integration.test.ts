import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import { UserError } from '../../errors/errors.ts';
import type { Connector } from '../connector.ts';
import { GeometryValue, isPostgresDatabase, type PgSession, type PostgresDatabase } from '../database.ts';
import { fetchSize, readRowsWithCursor } from './pg-rows.ts';
import { postgisConnectorType as type } from './postgis.connector.ts';
import { postgisConfigSchema } from './postgis.config.ts';

type Database = Connector & PostgresDatabase;

function open(db: TestDatabase, extra: Record<string, unknown> = {}): Database {
  const url = new URL(db.url);
  const settings = { host: url.hostname, port: Number(url.port), database: db.name, user: url.username, ...extra };
  const connector = type.create(postgisConfigSchema.parse(settings), { dataDir: '/nonexistent' });
  assert.ok(isPostgresDatabase(connector));
  return connector;
}

async function sql<R = Record<string, unknown>>(db: TestDatabase, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text)).rows as R[];
  } finally {
    await client.end();
  }
}

const signal = () => AbortSignal.timeout(20_000);
const isTableNotFound = (e: unknown) => e instanceof UserError && e.code === 'table_not_found';

const schemaSql = `
  CREATE FUNCTION my_func() RETURNS int LANGUAGE sql AS 'SELECT 7';
  CREATE TABLE parcels (
    id serial PRIMARY KEY,
    n_int integer NOT NULL DEFAULT 42,
    n_big bigint,
    amount numeric(10,2) DEFAULT 0.5,
    code varchar(20) NOT NULL,
    label text DEFAULT 'none',
    active boolean DEFAULT true,
    day date DEFAULT current_date,
    seen timestamptz DEFAULT now(),
    doc jsonb,
    blob bytea,
    uid uuid DEFAULT gen_random_uuid(),
    ident int GENERATED ALWAYS AS IDENTITY,
    custom int DEFAULT my_func(),
    geom geometry(Point,4326),
    area geometry(MultiPolygon,2154) DEFAULT ST_GeomFromText('MULTIPOLYGON EMPTY', 2154)
  );
  COMMENT ON TABLE parcels IS 'Cadastre parcels';
  COMMENT ON COLUMN parcels.code IS 'Parcel code';
  CREATE UNIQUE INDEX parcels_code_key ON parcels (code);
  CREATE INDEX parcels_day ON parcels (day, n_int);
  CREATE INDEX parcels_geom ON parcels USING gist (geom);
  CREATE INDEX parcels_lower_label ON parcels (lower(label));
  CREATE INDEX parcels_active ON parcels (n_int) WHERE active;
  INSERT INTO parcels (n_big, amount, code, day, seen, doc, blob, geom) VALUES
    (9007199254740993, 12.5, 'A1', '2024-01-02', '2024-01-02 03:04:05.123456+00', '{"a": 1}', '\\x00ff',
     ST_SetSRID(ST_Point(1, 2), 4326)),
    (NULL, NULL, 'A2', NULL, NULL, NULL, NULL, NULL),
    (3, 1, 'A3', '2024-12-31', now(), '[]', '', ST_SetSRID(ST_Point(-1, 0.5), 4326));
  ANALYZE parcels;
  CREATE VIEW parcel_codes AS SELECT id, code FROM parcels;
  CREATE MATERIALIZED VIEW parcel_count AS SELECT count(*) AS n FROM parcels;
  CREATE TABLE measures (at date NOT NULL, v int) PARTITION BY RANGE (at);
  CREATE TABLE measures_2024 PARTITION OF measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE "a""b" (x int);
  CREATE TABLE "Mixed.Case" (in_public int);
  CREATE SCHEMA "Mixed";
  CREATE TABLE "Mixed"."Case" (in_mixed int);
  CREATE TABLE "x; drop table y" ("My Column" text);
  CREATE TABLE "My Table" (x int);
  CREATE SCHEMA gis;
  CREATE TABLE gis.roads (id int PRIMARY KEY);
  CREATE TABLE big AS SELECT i AS id, ST_SetSRID(ST_Point(i, i), 2154)::geometry(Point,2154) AS g
    FROM generate_series(1, 100000) AS i;
  CREATE VIEW slow AS SELECT id, pg_sleep(0.01)::text AS nap FROM big;
`;

describe('postgis as a database', () => {
  let db: TestDatabase;
  let database: Database;
  before(async () => {
    db = await createTestDatabase('pgdb');
    await sql(db, schemaSql);
    database = open(db);
  });
  after(async () => {
    await database.close();
    await db.drop();
  });

  test('is a PostgresDatabase of its schema setting', () => {
    assert.equal(database.dialect, 'postgresql');
    assert.equal(database.schema, 'public');
  });

  test('describes a table with every kind of column, its comments, key and indexes', async () => {
    const table = await database.describeTable('parcels', signal());
    assert.deepEqual(
      table.columns.map((c) => [c.name, c.pgType, c.nullable, c.default]),
      [
        ['id', 'integer', false, undefined], // serial: the sequence is the source's
        ['n_int', 'integer', false, '42'],
        ['n_big', 'bigint', true, undefined],
        ['amount', 'numeric(10,2)', true, '0.5'],
        ['code', 'character varying(20)', false, undefined],
        ['label', 'text', true, "'none'::text"],
        ['active', 'boolean', true, 'true'],
        ['day', 'date', true, 'CURRENT_DATE'],
        ['seen', 'timestamp with time zone', true, 'now()'],
        ['doc', 'jsonb', true, undefined],
        ['blob', 'bytea', true, undefined],
        ['uid', 'uuid', true, 'gen_random_uuid()'],
        ['ident', 'integer', false, undefined], // identity: no default
        ['custom', 'integer', true, undefined], // a function of this database only
        ['geom', 'geometry(Point,4326)', true, undefined],
        ['area', 'geometry(MultiPolygon,2154)', true, "st_geomfromtext('MULTIPOLYGON EMPTY'::text, 2154)"],
      ],
    );
    assert.equal(table.name, 'parcels');
    assert.equal(table.kind, 'table');
    assert.equal(table.comment, 'Cadastre parcels');
    assert.equal(table.columns.find((c) => c.name === 'code')?.comment, 'Parcel code');
    assert.equal(table.columns.find((c) => c.name === 'label')?.comment, undefined);
    assert.deepEqual(table.primaryKey, ['id']);
    assert.equal(table.estimatedRows, 3);
    assert.deepEqual(
      table.indexes.map((i) => [i.name, i.columns, i.unique, i.method]),
      [
        ['parcels_active', ['n_int'], false, 'btree'],
        ['parcels_code_key', ['code'], true, 'btree'],
        ['parcels_day', ['day', 'n_int'], false, 'btree'],
        ['parcels_geom', ['geom'], false, 'gist'],
        ['parcels_lower_label', ['lower(label)'], false, 'btree'],
      ],
    );
    const partial = table.indexes.find((i) => i.name === 'parcels_active');
    assert.equal(partial?.definition, 'CREATE INDEX parcels_active ON public.parcels USING btree (n_int) WHERE active');
  });

  test('views, materialized views and partitioned tables', async () => {
    const view = await database.describeTable('parcel_codes', signal());
    assert.deepEqual([view.kind, view.primaryKey, view.indexes, view.estimatedRows], ['view', [], [], undefined]);
    assert.deepEqual(
      view.columns.map((c) => [c.name, c.pgType]),
      [
        ['id', 'integer'],
        ['code', 'character varying(20)'],
      ],
    );
    assert.equal((await database.describeTable('parcel_count', signal())).kind, 'view');
    const partitioned = await database.describeTable('measures', signal());
    assert.deepEqual([partitioned.kind, partitioned.columns.length], ['table', 2]);
  });

  test('names with quotes, dots, mixed case, spaces and SQL fragments', async () => {
    const columnsOf = async (name: string) => (await database.describeTable(name, signal())).columns.map((c) => c.name);
    assert.deepEqual(await columnsOf('a"b'), ['x']);
    assert.deepEqual(await columnsOf('"a""b"'), ['x']);
    // A table named with a dot in the default schema wins over schema "Mixed", table "Case".
    assert.deepEqual(await columnsOf('Mixed.Case'), ['in_public']);
    assert.deepEqual(await columnsOf('"Mixed.Case"'), ['in_public']);
    assert.deepEqual(await columnsOf('"Mixed"."Case"'), ['in_mixed']);
    assert.deepEqual(await columnsOf('x; drop table y'), ['My Column']);
    assert.deepEqual(await columnsOf('My Table'), ['x']);
    assert.deepEqual(await columnsOf('gis.roads'), ['id']);
    assert.equal((await database.describeTable('gis.roads', signal())).name, 'gis.roads');
    // Unquoted names are taken as written, as listTables writes them: no lower-casing.
    await assert.rejects(database.describeTable('PARCELS', signal()), isTableNotFound);
    assert.equal((await sql(db, `SELECT 1 FROM pg_class WHERE relname = 'parcels'`)).length, 1);
  });

  test('a missing table, in an existing or a missing schema, is table_not_found', async () => {
    await assert.rejects(database.describeTable('nope', signal()), isTableNotFound);
    await assert.rejects(database.describeTable('gis.nope', signal()), isTableNotFound);
    await assert.rejects(database.describeTable('no_schema.parcels', signal()), isTableNotFound);
    await assert.rejects(database.describeTable('"unterminated', signal()), isTableNotFound);
    await assert.rejects(
      (async () => {
        for await (const row of database.readRows('nope', ['x'], signal())) assert.fail(`unexpected row ${row.length}`);
      })(),
      isTableNotFound,
    );
  });

  test('listTables: the user tables and views, without system or PostGIS tables', async () => {
    assert.deepEqual(await database.listTables(signal()), [
      '"Mixed"."Case"', // raw, it would mean the table "Mixed.Case" of the default schema
      'Mixed.Case',
      'My Table',
      'a"b',
      'big',
      'gis.roads',
      'measures',
      'parcel_codes',
      'parcel_count',
      'parcels',
      'slow',
      'x; drop table y',
    ]);
    const inGis = open(db, { schema: 'gis' });
    try {
      const names = await inGis.listTables(signal());
      assert.ok(names.includes('roads') && names.includes('public.parcels'), names.join());
    } finally {
      await inGis.close();
    }
  });

  test('readRows: values as JS values, geometries as WKB plus SRID', async () => {
    const columns = ['code', 'id', 'n_big', 'amount', 'active', 'day', 'seen', 'doc', 'blob', 'uid', 'geom'];
    const rows = [];
    for await (const row of database.readRows('parcels', columns, signal())) rows.push(row);
    rows.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
    const [first, empty, third] = rows;
    assert.deepEqual(first?.slice(0, 9), [
      'A1',
      1,
      9007199254740993n,
      '12.50',
      true,
      '2024-01-02',
      '2024-01-02 03:04:05.123456+00',
      '{"a": 1}',
      Buffer.from([0, 255]),
    ]);
    assert.match(first?.[9] as string, /^[0-9a-f-]{36}$/);
    const point = first?.[10];
    assert.ok(point instanceof GeometryValue);
    assert.equal(point.srid, 4326);
    assert.equal(point.wkb.toString('hex'), '0101000000000000000000f03f0000000000000040');
    assert.deepEqual(empty?.slice(2), [null, null, true, null, null, null, null, empty?.[9], null]);
    assert.deepEqual([third?.[4], third?.[8]], [true, Buffer.alloc(0)]);
    await assert.rejects(
      (async () => {
        for await (const row of database.readRows('parcels', ['code', 'nope'], signal())) {
          assert.fail(`unexpected row ${row.length}`);
        }
      })(),
      (e) => e instanceof UserError && e.code === 'column_not_found',
    );
  });

  test('readRows streams 100k rows in FETCH batches through one cursor', async () => {
    const statements: string[] = [];
    const largestBatch = { rows: 0 };
    const spying = <T>(fn: (session: PgSession) => Promise<T>, s: AbortSignal) =>
      database.withSession(
        (session) =>
          fn({
            query: async <R>(text: string, params?: readonly unknown[]) => {
              statements.push(text);
              const result = await session.query<R>(text, params);
              if (text.startsWith('FETCH')) largestBatch.rows = Math.max(largestBatch.rows, result.rows.length);
              return result;
            },
          }),
        s,
      );
    let count = 0;
    let sum = 0;
    let fetchesBeforeFirstRow = -1;
    for await (const [id, g] of readRowsWithCursor(spying, 'big', ['id', 'g'], { schema: 'public' }, signal())) {
      if (count === 0) fetchesBeforeFirstRow = statements.filter((s) => s.startsWith('FETCH')).length;
      count++;
      sum += id as number;
      assert.ok(g instanceof GeometryValue && g.srid === 2154);
    }
    assert.equal(count, 100_000);
    assert.equal(sum, (100_000 * 100_001) / 2);
    assert.equal(fetchesBeforeFirstRow, 1);
    assert.equal(largestBatch.rows, fetchSize);
    assert.equal(statements.filter((s) => s.startsWith('FETCH')).length, 100_000 / fetchSize + 1);
    assert.ok(statements.includes('BEGIN READ ONLY'));
    assert.equal(statements.at(-1), 'ROLLBACK');
  });

  test('readRows stops at once on abort, between rows and during a FETCH', async () => {
    const controller = new AbortController();
    let count = 0;
    await assert.rejects(async () => {
      for await (const row of database.readRows('big', ['id'], controller.signal)) {
        assert.ok(row);
        if (++count === 10) controller.abort();
      }
    }, /aborted/);
    assert.equal(count, 10);

    const started = performance.now();
    // Each row of `slow` sleeps 10 ms: the first FETCH alone would take 50 s.
    await assert.rejects(async () => {
      for await (const row of database.readRows('slow', ['id'], AbortSignal.timeout(300))) {
        assert.fail(`unexpected row ${row.length}`);
      }
    }, /timeout|aborted/i);
    assert.ok(performance.now() - started < 1300, `took ${performance.now() - started} ms`);
    assert.ok((await database.listTables(signal())).includes('big'), 'the pool still works');
  });

  test('withSession cancels a running statement on abort; the pool still works', async () => {
    const started = performance.now();
    await assert.rejects(
      database.withSession((session) => session.query('SELECT pg_sleep(30)'), AbortSignal.timeout(300)),
      /timeout/i,
    );
    assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
    // The server stopped the statement too (pg_cancel_backend), not only the client.
    let sleeping = 1;
    for (let i = 0; i < 40 && sleeping > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      sleeping = (
        await sql(db, `SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`)
      ).length;
    }
    assert.equal(sleeping, 0);
    const { rows } = await database.withSession(
      (session) => session.query<{ one: number }>('SELECT 1 AS one'),
      signal(),
    );
    assert.deepEqual(rows, [{ one: 1 }]);
  });

  test('a failed statement does not put a broken transaction back in the pool', async () => {
    const small = open(db);
    try {
      await assert.rejects(
        small.withSession(async (session) => {
          await session.query('BEGIN');
          await session.query('SELECT 1/0');
        }, signal()),
        /division by zero/,
      );
      for (let i = 0; i < 12; i++) {
        const { rows } = await small.withSession((session) => session.query('SELECT 1 AS one'), signal());
        assert.equal(rows.length, 1);
      }
    } finally {
      await small.close();
    }
  });

  test('a binary COPY round trip between two databases', async () => {
    const other = await createTestDatabase('pgdb_copy');
    const target = open(other);
    try {
      await sql(other, 'CREATE TABLE copied (id int, g geometry(Point,2154))');
      await database.withSession(
        (from) =>
          target.withSession(async (to) => {
            if (!from.copyOut || !to.copyIn) throw new Error('COPY streams are missing');
            await pipeline(
              from.copyOut('COPY big TO STDOUT (FORMAT binary)'),
              to.copyIn('COPY copied FROM STDIN (FORMAT binary)'),
            );
          }, signal()),
        signal(),
      );
      const checksum = `SELECT count(*)::int AS n, sum(id)::float8 AS s, md5(string_agg(ST_AsEWKB(g)::text, '' ORDER BY id)) AS h`;
      const [source] = await sql(db, `${checksum} FROM big`);
      const [copy] = await sql(other, `${checksum} FROM copied`);
      assert.equal(copy?.n, 100_000);
      assert.deepEqual(copy, source);
    } finally {
      await target.close();
      await other.drop();
    }
  });
});

describe('postgis raw geometry table', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('pgraw');
    await sql(
      db,
      `CREATE SCHEMA meta;
       CREATE TABLE meta."Geometry Meta" (tbl text, col text, kind text, srid text);
       INSERT INTO meta."Geometry Meta" VALUES ('LEGACY', 'WKT', 'POINT', '2154'), ('other', 'wkt', 'LINESTRING', '4326');
       CREATE TABLE legacy (id int PRIMARY KEY, wkt text);
       INSERT INTO legacy VALUES (1, 'POINT(1 2)');`,
    );
  });
  after(() => db.drop());

  const rawSettings = (table: string) => ({
    rawGeometryTable: {
      table,
      tableColumn: 'tbl',
      geometryColumn: 'col',
      typeColumn: 'kind',
      sridColumn: 'srid',
      encoding: 'WKT',
    },
  });

  test('marks the listed columns; rows keep the raw values', async () => {
    const database = open(db, rawSettings('meta."Geometry Meta"'));
    try {
      const table = await database.describeTable('legacy', signal());
      assert.deepEqual(table.columns[1], {
        name: 'wkt',
        pgType: 'geometry(POINT,2154)',
        nullable: true,
        rawGeometry: { encoding: 'WKT', type: 'POINT', srid: 2154 },
      });
      assert.deepEqual(table.columns[0]?.rawGeometry, undefined);
      const rows = [];
      for await (const row of database.readRows('legacy', ['id', 'wkt'], signal())) rows.push(row);
      assert.deepEqual(rows, [[1, 'POINT(1 2)']]);
    } finally {
      await database.close();
    }
  });

  test('a metadata table that cannot be read says so', async () => {
    const database = open(db, rawSettings('meta.missing'));
    try {
      await assert.rejects(
        database.describeTable('legacy', signal()),
        (e) => e instanceof UserError && e.code === 'raw_geometry_table_invalid' && /meta\.missing/.test(e.message),
      );
    } finally {
      await database.close();
    }
  });
});
