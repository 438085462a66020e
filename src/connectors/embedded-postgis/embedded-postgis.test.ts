import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { UnexpectedError, UserError } from '../../errors/errors.ts';
import type { EmbeddedDatabase } from '../connector.ts';
import { GeometryValue, isPostgresDatabase, type SourceValue } from '../database.ts';
import { fetchSize } from '../postgis/pg-rows.ts';
import { embeddedPostgisConnectorType as type } from './embedded-postgis.connector.ts';
import { storeTables, tablesCreatedBy } from './store-tables.ts';

/** PGlite opened in this thread, shaped as what geosync hands connectors (the store runs it in a worker). */
function asEmbedded(db: PGlite): EmbeddedDatabase {
  return {
    query: async (sql, params = []) => ({ rows: (await db.query(sql, [...params])).rows as Record<string, unknown>[] }),
    withSession: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async <R>(sql: string, params: readonly unknown[] = []) => {
            const result = await tx.query<R>(sql, [...params]);
            return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
          },
        }),
      ),
  };
}

const notUsed = () => Promise.reject(new Error('withSession is not used by this test'));

// The only test file loading PostGIS into PGlite: it takes about 10 s.
let withPostgis: PGlite;
before(async () => {
  withPostgis = await PGlite.create({ extensions: { postgis } });
  await withPostgis.exec('CREATE EXTENSION postgis');
});
after(() => withPostgis.close());

connectorContract('embedded-postgis', () =>
  Promise.resolve({
    type,
    goodConfig: {},
    badConfigs: [],
    deps: { dataDir: '/nonexistent', embeddedDatabase: asEmbedded(withPostgis) },
  }),
);

describe('embedded-postgis', () => {
  let plain: PGlite;
  before(async () => {
    plain = await PGlite.create();
  });
  after(() => plain.close());

  test('reports the PostgreSQL and PostGIS versions', async () => {
    const result = await type
      .create({}, { dataDir: '/x', embeddedDatabase: asEmbedded(withPostgis) })
      .test(AbortSignal.timeout(5000));
    assert.equal(result.ok, true, result.message);
    assert.match(String(result.details?.postgisVersion), /^3\.\d+\.\d+$/);
    assert.match(result.message, /^Embedded store: PostgreSQL \d+\.\d+ with PostGIS 3\.\d+\.\d+$/);
  });

  test('without PostGIS loaded, says which setting enables it', async () => {
    const result = await type
      .create({}, { dataDir: '/x', embeddedDatabase: asEmbedded(plain) })
      .test(AbortSignal.timeout(5000));
    assert.deepEqual(
      [result.ok, result.message],
      [false, 'PostGIS is not enabled in the embedded store (setting store.postgis)'],
    );
  });

  test('a query that never answers is abandoned when the signal fires', async () => {
    const hung: EmbeddedDatabase = { query: () => new Promise(() => undefined), withSession: notUsed };
    const result = await type.create({}, { dataDir: '/x', embeddedDatabase: hung }).test(AbortSignal.timeout(100));
    assert.deepEqual([result.ok, result.message], [false, 'The connection test timed out']);
  });

  test('a failing store is an answer, not an exception', async () => {
    const broken: EmbeddedDatabase = { query: () => Promise.reject(new Error('store closed')), withSession: notUsed };
    const result = await type.create({}, { dataDir: '/x', embeddedDatabase: broken }).test(AbortSignal.timeout(1000));
    assert.deepEqual([result.ok, result.message], [false, 'The embedded store did not answer: store closed']);
  });

  test('without the embedded database, create() fails as the wiring bug it is', () => {
    assert.throws(
      () => type.create({}, { dataDir: '/x' }),
      (e) => e instanceof UnexpectedError && e.code === 'embedded_database_missing',
    );
  });

  test('is built in only', () => {
    assert.equal(type.userCreatable, false);
  });
});

/** Like the store's session in main.ts: statements on the one PGlite session, no transaction. */
function asStoreSession(db: PGlite): EmbeddedDatabase {
  return {
    query: async (sql, params = []) => ({ rows: (await db.query(sql, [...params])).rows as Record<string, unknown>[] }),
    withSession: (fn) =>
      fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) => {
          const result = await db.query<R>(sql, [...params]);
          return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
        },
      }),
  };
}

describe('embedded-postgis as a database', () => {
  const open = () => {
    const connector = type.create({}, { dataDir: '/x', embeddedDatabase: asStoreSession(withPostgis) });
    assert.ok(isPostgresDatabase(connector));
    return connector;
  };
  const signal = () => AbortSignal.timeout(10_000);
  const readAll = async (name: string, columns: string[]) => {
    const rows: SourceValue[][] = [];
    for await (const row of open().readRows(name, columns, signal())) rows.push(row);
    return rows;
  };

  before(async () => {
    await withPostgis.exec(`
      CREATE TABLE geosync_migrations (id int PRIMARY KEY);
      CREATE TABLE users (id int PRIMARY KEY, password_hash text);
      CREATE SCHEMA geosync_jobs;
      CREATE TABLE geosync_jobs.job (id int);
      CREATE TABLE places (
        id serial PRIMARY KEY,
        name varchar(50) NOT NULL DEFAULT 'unnamed',
        big bigint,
        seen timestamptz,
        geom geometry(Point,4326)
      );
      COMMENT ON TABLE places IS 'Places';
      CREATE INDEX places_geom ON places USING gist (geom);
      INSERT INTO places (name, big, seen, geom) VALUES
        ('a', 9007199254740993, '2024-01-02 03:04:05.5+00', ST_SetSRID(ST_Point(1, 2), 4326)),
        ('b', NULL, NULL, NULL);
      CREATE VIEW place_names AS SELECT name FROM places;
      CREATE TABLE many AS SELECT i AS id FROM generate_series(1, ${2 * fetchSize + 7}) AS i;
      CREATE VIEW many_view AS SELECT id % 10 AS d FROM many;`);
  });

  test('is a PostgresDatabase on schema public', () => {
    const database = open();
    assert.deepEqual([database.dialect, database.schema], ['postgresql', 'public']);
  });

  test("lists the user's tables, without geosync's own nor PostGIS's", async () => {
    assert.deepEqual(await open().listTables(signal()), ['many', 'many_view', 'place_names', 'places']);
  });

  test("geosync's own tables cannot be described nor read", async () => {
    const notFound = (e: unknown) => e instanceof UserError && e.code === 'table_not_found';
    await assert.rejects(open().describeTable('users', signal()), notFound);
    await assert.rejects(open().describeTable('geosync_jobs.job', signal()), notFound);
    await assert.rejects(readAll('users', ['password_hash']), notFound);
  });

  test('describes a table and a view', async () => {
    const table = await open().describeTable('places', signal());
    assert.deepEqual(
      table.columns.map((c) => [c.name, c.pgType, c.nullable, c.default]),
      [
        ['id', 'integer', false, undefined],
        ['name', 'character varying(50)', false, "'unnamed'::character varying"],
        ['big', 'bigint', true, undefined],
        ['seen', 'timestamp with time zone', true, undefined],
        ['geom', 'geometry(Point,4326)', true, undefined],
      ],
    );
    assert.deepEqual([table.kind, table.comment, table.primaryKey], ['table', 'Places', ['id']]);
    assert.deepEqual(
      table.indexes.map((i) => [i.name, i.columns, i.method]),
      [['places_geom', ['geom'], 'gist']],
    );
    const view = await open().describeTable('place_names', signal());
    assert.deepEqual([view.kind, view.primaryKey, view.columns.length], ['view', [], 1]);
  });

  test('reads rows page by page, tables and views', async () => {
    const [first, second] = await readAll('places', ['name', 'big', 'seen', 'geom']);
    assert.deepEqual(first?.slice(0, 2), ['a', 9007199254740993n]);
    assert.match(first?.[2] as string, /^2024-01-02 \d\d:\d\d:05\.5\+\d\d$/);
    const point = first?.[3];
    assert.ok(point instanceof GeometryValue);
    assert.deepEqual([point.srid, point.wkb.toString('hex')], [4326, '0101000000000000000000f03f0000000000000040']);
    assert.deepEqual(second, ['b', null, null, null]);

    const ids = (await readAll('many', ['id'])).map(([id]) => id as number);
    assert.equal(ids.length, 2 * fetchSize + 7);
    assert.equal(new Set(ids).size, ids.length);
    const digits = (await readAll('many_view', ['d'])).map(([d]) => d as number);
    assert.equal(digits.length, 2 * fetchSize + 7);
    assert.equal(digits.filter((d) => d === 7).length, Math.floor((2 * fetchSize + 7) / 10) + 1);
  });

  test('stops reading when the signal aborts', async () => {
    const controller = new AbortController();
    let count = 0;
    await assert.rejects(async () => {
      for await (const row of open().readRows('many', ['id'], controller.signal)) {
        assert.ok(row);
        if (++count === 3) controller.abort();
      }
    }, /aborted/);
    assert.equal(count, 3);
  });

  test('withSession runs on the store; aborting stops waiting', async () => {
    const database = open();
    const { rows } = await database.withSession((session) => session.query('SELECT 1 AS one'), signal());
    assert.deepEqual(rows, [{ one: 1 }]);
    const hung: EmbeddedDatabase = { query: notUsed, withSession: () => new Promise(() => undefined) };
    const stuck = type.create({}, { dataDir: '/x', embeddedDatabase: hung });
    assert.ok(isPostgresDatabase(stuck));
    await assert.rejects(
      stuck.withSession(() => Promise.resolve(1), AbortSignal.timeout(50)),
      /timeout/i,
    );
  });
});

test('store tables are read from the migrations', () => {
  assert.deepEqual(
    tablesCreatedBy(
      'CREATE TABLE roles (\n); create unlogged table IF NOT EXISTS public.Logs (); CREATE TABLE "Odd""One" ()',
    ),
    ['roles', 'logs', 'Odd"One'],
  );
  for (const table of ['geosync_migrations', 'users', 'connections', 'api_tokens', 'run_log']) {
    assert.ok(storeTables().includes(table), table);
  }
});
