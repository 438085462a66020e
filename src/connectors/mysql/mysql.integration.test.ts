import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import mysql from 'mysql2/promise';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { type MariadbServer, startMariadb } from '../../../test/helpers/mariadb.ts';
import { isGeosyncError } from '../../errors/errors.ts';
import type { Connector } from '../connector.ts';
import { type DatabaseSource, GeometryValue, type SourceValue } from '../database.ts';
import { mysqlConfigSchema } from './mysql.config.ts';
import { mysqlConnectorType as type } from './mysql.connector.ts';

const serverStarted = startMariadb();
let server: MariadbServer;
after(() => server?.stop());

function settings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { host, port, database, user, password } = server;
  return { host, port, database, user, password, ...extra };
}

function open(extra: Record<string, unknown> = {}): Connector & DatabaseSource {
  return type.create(mysqlConfigSchema.parse(settings(extra)), { dataDir: '/nonexistent' }) as Connector &
    DatabaseSource;
}

async function readAll(source: DatabaseSource, table: string, columns: string[]): Promise<SourceValue[][]> {
  const rows: SourceValue[][] = [];
  for await (const row of source.readRows(table, columns, AbortSignal.timeout(30_000))) rows.push(row);
  return rows;
}

/** Rejects with a geosync error carrying `code`. */
async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => isGeosyncError(error) && error.code === code);
}

/** A hostile table name: quotes of every kind, a dot, mixed case, and SQL that must stay a name. */
const hostile = 'Mixed.Case `tick` \'q\' "d"; DROP TABLE places; --';
const hostileColumn = 'col`umn "x"';
const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;

/** Little-endian ISO WKB of a 2D point. */
function pointWkb(x: number, y: number): Buffer {
  const wkb = Buffer.alloc(21);
  wkb.writeUInt8(1, 0);
  wkb.writeUInt32LE(1, 1);
  wkb.writeDoubleLE(x, 5);
  wkb.writeDoubleLE(y, 13);
  return wkb;
}

const fixtureSql = `
CREATE TABLE places (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(80) NOT NULL DEFAULT 'unnamed' COMMENT 'Name shown on the map',
  kind CHAR(4) NOT NULL,
  geom POINT REF_SYSTEM_ID=4326 NOT NULL,
  area POLYGON REF_SYSTEM_ID=3857 NULL,
  anything GEOMETRY NULL,
  SPATIAL INDEX places_geom (geom),
  UNIQUE INDEX places_kind_name (kind, name),
  INDEX places_name (name)
) COMMENT 'Places of interest';
INSERT INTO places (name, kind, geom, area, anything) VALUES
  ('Lyon', 'city', ST_GeomFromText('POINT(4.835 45.76)', 4326),
   ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 0))', 3857), NULL),
  ('Pic', 'peak', ST_GeomFromText('POINT(-1.5 42.25)', 4326), NULL, ST_GeomFromText('LINESTRING(1 2, 3 4)', 2154));
CREATE VIEW place_names AS SELECT id, upper(name) AS name, geom FROM places;

CREATE TABLE all_types (
  id BIGINT NOT NULL PRIMARY KEY,
  flag BOOLEAN NOT NULL DEFAULT TRUE,
  tiny TINYINT DEFAULT -3,
  tiny_u TINYINT UNSIGNED,
  small_u SMALLINT UNSIGNED,
  medium MEDIUMINT,
  int_u INT UNSIGNED,
  big_u BIGINT UNSIGNED,
  price DECIMAL(10,2) DEFAULT 1.50,
  ratio FLOAT,
  precise DOUBLE DEFAULT 1e10,
  bits BIT(5),
  bit1 BIT(1),
  code CHAR(3),
  label VARCHAR(20) DEFAULT 'it''s \\\\ here',
  body MEDIUMTEXT,
  doc JSON,
  raw BLOB,
  fixed BINARY(4),
  day DATE,
  moment DATETIME(3),
  stamp TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
  span TIME,
  yr YEAR,
  choice ENUM('a','b') DEFAULT 'a',
  tags SET('x','y'),
  token UUID DEFAULT uuid(),
  computed INT DEFAULT (1 + 2)
);
`;

before(async () => {
  server = await serverStarted;
  const admin = await mysql.createConnection({ ...settings(), multipleStatements: true } as mysql.ConnectionOptions);
  try {
    await admin.query(fixtureSql);
    await admin.query(`SET time_zone = '+02:00', sql_mode = ''`);
    await admin.query(
      `INSERT INTO all_types VALUES
        (1, TRUE, -128, 255, 65535, -8388608, 4294967295, 18446744073709551615, 12345678.91, 1.5, 2.25,
         b'00101', b'1', 'abc', 'hé', 'long text', '{"k": [1, 2]}', x'00ff10', x'01020304',
         '2024-02-29', '2024-02-29 13:14:15.678', '2024-01-01 12:00:00', '-01:30:00', 2024, 'b', 'x,y',
         '123e4567-e89b-12d3-a456-426614174000', 7),
        (2, 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, b'0', b'0', NULL, NULL, NULL, NULL, NULL, NULL,
         '0000-00-00', '0000-00-00 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    );
    await admin.query(`SET time_zone = '+00:00'`);
    await admin.query(`CREATE TABLE ${q(hostile)} (${q(hostileColumn)} INT PRIMARY KEY, \`Name\` TEXT)`);
    await admin.query(`INSERT INTO ${q(hostile)} VALUES (1, 'hostile row')`);
    await admin.query('CREATE TABLE Roads (id INT PRIMARY KEY, upper_only INT)');
    await admin.query('CREATE TABLE roads (id INT PRIMARY KEY, lower_only INT)');
    await admin.query(`
      CREATE TABLE \`raw\`\`meta\` (\`tbl name\` VARCHAR(64), column_name VARCHAR(64), geometry_type VARCHAR(20), srid INT);
      INSERT INTO \`raw\`\`meta\` VALUES ('raw_wkt', 'geom_wkt', 'POINT', 4326), ('raw_hex', 'geom_hex', 'GEOMETRY', 2154);
      CREATE TABLE raw_wkt (id INT PRIMARY KEY, geom_wkt TEXT);
      INSERT INTO raw_wkt VALUES (1, 'POINT(1 2)');
      CREATE TABLE raw_hex (id INT PRIMARY KEY, geom_hex VARCHAR(200));
      INSERT INTO raw_hex VALUES (1, '0101000000000000000000F03F0000000000000040');
      CREATE TABLE big (id INT PRIMARY KEY, filler VARCHAR(200));
      SET SESSION max_recursive_iterations = 200000;
      INSERT INTO big WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100000)
        SELECT n, REPEAT('x', 150) FROM s;
      ANALYZE TABLE places, big;
    `);
  } finally {
    await admin.end();
  }
  // A user who may see every database gets the plain "does not exist".
  await server.asRoot(`CREATE USER 'seer'@'%' IDENTIFIED BY ?`, [server.password]);
  await server.asRoot(`GRANT SELECT ON *.* TO 'seer'@'%'`);
});

connectorContract('mysql', async () => {
  server = await serverStarted;
  const good = settings();
  return {
    type,
    goodConfig: good,
    badConfigs: [
      { config: { ...good, host: '' }, field: 'host' },
      { config: { ...good, port: 0 }, field: 'port' },
      { config: { host: 'h', user: 'u' }, field: 'database' },
      { config: { ...good, user: undefined }, field: 'user' },
      { config: { ...good, ssl: 'true' }, field: 'ssl' },
      { config: { ...good, connectTimeoutSeconds: 0 }, field: 'connectTimeoutSeconds' },
      { config: { ...good, rawGeometryTable: { table: 'meta' } }, field: 'rawGeometryTable.encoding' },
    ],
    unreachableConfig: { ...good, port: 1 },
    deps: { dataDir: '/nonexistent' },
  };
});

describe('mysql connector against MariaDB', () => {
  let source: Connector & DatabaseSource;
  before(() => {
    source = open();
  });
  after(() => source.close());

  test('test() says who it logged in as, and on which server', async () => {
    const result = await source.test(AbortSignal.timeout(10_000));
    assert.equal(result.ok, true, result.message);
    assert.match(result.message, /^Logged in to MariaDB 10\.\d+\.\d+ as 'geosync'; database 'geosync_test' has \d+/);
  });

  test('listTables lists the tables and views of the database, sorted', async () => {
    const tables = await source.listTables(AbortSignal.timeout(10_000));
    const expected = [
      hostile,
      'Roads',
      'all_types',
      'big',
      'place_names',
      'places',
      'raw_hex',
      'raw_wkt',
      'raw`meta',
      'roads',
    ];
    assert.deepEqual(tables, [...expected].sort());
  });

  test('describeTable maps every MySQL type to a PostgreSQL type that holds its values', async () => {
    const table = await source.describeTable('all_types', AbortSignal.timeout(10_000));
    const types = Object.fromEntries(table.columns.map((c) => [c.name, c.pgType]));
    assert.deepEqual(types, {
      id: 'bigint',
      flag: 'boolean',
      tiny: 'smallint',
      tiny_u: 'smallint',
      small_u: 'integer',
      medium: 'integer',
      int_u: 'bigint',
      big_u: 'numeric(20,0)',
      price: 'numeric(10,2)',
      ratio: 'real',
      precise: 'double precision',
      bits: 'bit(5)',
      bit1: 'boolean',
      code: 'char(3)',
      label: 'varchar(20)',
      body: 'text',
      doc: 'jsonb',
      raw: 'bytea',
      fixed: 'bytea',
      day: 'date',
      moment: 'timestamp(3)',
      stamp: 'timestamptz',
      span: 'interval',
      yr: 'smallint',
      choice: 'text',
      tags: 'text',
      token: 'uuid',
      computed: 'integer',
    });
    assert.deepEqual(table.primaryKey, ['id']);
    assert.equal(table.kind, 'table');
  });

  test('only portable constant defaults are kept, as PostgreSQL literals', async () => {
    const table = await source.describeTable('all_types', AbortSignal.timeout(10_000));
    const defaults = Object.fromEntries(table.columns.filter((c) => c.default).map((c) => [c.name, c.default]));
    assert.deepEqual(defaults, {
      flag: 'true',
      tiny: '-3',
      price: '1.50',
      precise: '10000000000',
      label: "E'it''s \\\\ here'",
      stamp: 'now()',
      choice: "'a'",
    });
  });

  test('describeTable: spatial columns, SRIDs, nullability, indexes, comments, estimated rows', async () => {
    const table = await source.describeTable('places', AbortSignal.timeout(10_000));
    assert.deepEqual(
      table.columns.map((c) => [c.name, c.pgType, c.nullable]),
      [
        ['id', 'bigint', false],
        ['name', 'varchar(80)', false],
        ['kind', 'char(4)', false],
        ['geom', 'geometry(Point,4326)', false],
        ['area', 'geometry(Polygon,3857)', true],
        ['anything', 'geometry(Geometry)', true],
      ],
    );
    assert.equal(table.columns[1]!.comment, 'Name shown on the map');
    assert.equal(table.columns[1]!.default, "'unnamed'");
    assert.equal(table.columns[0]!.default, undefined, 'auto_increment is not a portable default');
    assert.deepEqual(table.primaryKey, ['id']);
    const indexes = [...table.indexes].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(indexes, [
      { name: 'places_geom', columns: ['geom'], unique: false, method: 'gist' },
      { name: 'places_kind_name', columns: ['kind', 'name'], unique: true, method: 'btree' },
      { name: 'places_name', columns: ['name'], unique: false, method: 'btree' },
    ]);
    assert.equal(table.comment, 'Places of interest');
    assert.equal(typeof table.estimatedRows, 'number');
  });

  test('describeTable on a view: kind view, no key, no indexes, no comment', async () => {
    const view = await source.describeTable('place_names', AbortSignal.timeout(10_000));
    assert.equal(view.kind, 'view');
    assert.deepEqual(view.primaryKey, []);
    assert.deepEqual(view.indexes, []);
    assert.equal(view.comment, undefined);
    assert.equal(view.estimatedRows, undefined);
    assert.deepEqual(
      view.columns.map((c) => c.name),
      ['id', 'name', 'geom'],
    );
    assert.match(view.columns[2]!.pgType, /^geometry\(Point/);
  });

  test('readRows: geometries as ISO WKB with their own SRID, nulls as null', async () => {
    const rows = await readAll(source, 'places', ['name', 'geom', 'area', 'anything']);
    assert.equal(rows.length, 2);
    const [lyon, pic] = rows;
    assert.equal(lyon![0], 'Lyon');
    assert.ok(lyon![1] instanceof GeometryValue);
    assert.deepEqual(lyon![1], new GeometryValue(pointWkb(4.835, 45.76), 4326));
    const area = lyon![2] as GeometryValue;
    assert.equal(area.srid, 3857);
    assert.equal(area.wkb.readUInt32LE(1), 3, 'a polygon');
    assert.equal(lyon![3], null);
    assert.deepEqual(pic![1], new GeometryValue(pointWkb(-1.5, 42.25), 4326));
    const line = pic![3] as GeometryValue;
    assert.deepEqual([line.srid, line.wkb.readUInt32LE(1)], [2154, 2]);
  });

  test('readRows: values exact, in the order asked for', async () => {
    const columns = ['flag', 'tiny', 'tiny_u', 'small_u', 'medium', 'int_u', 'big_u', 'price', 'ratio', 'precise'];
    const more = ['bits', 'bit1', 'code', 'label', 'body', 'doc', 'raw', 'fixed', 'day', 'moment', 'stamp'];
    const rest = ['span', 'yr', 'choice', 'tags', 'token', 'computed', 'id'];
    const rows = await readAll(source, 'all_types', [...columns, ...more, ...rest]);
    assert.deepEqual(rows[0], [
      true,
      -128,
      255,
      65535,
      -8388608,
      4294967295,
      '18446744073709551615',
      '12345678.91',
      1.5,
      2.25,
      '00101',
      true,
      'abc',
      'hé',
      'long text',
      '{"k": [1, 2]}',
      Buffer.from([0x00, 0xff, 0x10]),
      Buffer.from([1, 2, 3, 4]),
      '2024-02-29',
      '2024-02-29 13:14:15.678',
      '2024-01-01 10:00:00+00', // written at +02:00: the same instant in UTC
      '-01:30:00',
      2024,
      'b',
      'x,y',
      '123e4567-e89b-12d3-a456-426614174000',
      7,
      '1',
    ]);
    // MySQL's truth rule (2 is true); "zero" dates, which PostgreSQL has no value for, are null.
    assert.deepEqual(rows[1]!.slice(0, 1), [true]);
    assert.deepEqual(rows[1]!.slice(10, 12), ['00000', false]);
    assert.deepEqual(rows[1]!.slice(18, 20), [null, null]);
    assert.equal(rows[2]![0], false);
  });

  test('names with quotes, dots, mixed case and SQL in them are names', async () => {
    const table = await source.describeTable(hostile, AbortSignal.timeout(10_000));
    assert.deepEqual(
      table.columns.map((c) => c.name),
      [hostileColumn, 'Name'],
    );
    assert.deepEqual(table.primaryKey, [hostileColumn]);
    assert.deepEqual(await readAll(source, hostile, ['Name', hostileColumn]), [['hostile row', 1]]);
    const upper = await source.describeTable('Roads', AbortSignal.timeout(10_000));
    const lower = await source.describeTable('roads', AbortSignal.timeout(10_000));
    assert.deepEqual([upper.columns[1]!.name, lower.columns[1]!.name], ['upper_only', 'lower_only']);
    assert.ok((await source.listTables(AbortSignal.timeout(10_000))).includes('places'), 'places survived');
  });

  test('a missing table is table_not_found, for describeTable and readRows', async () => {
    for (const name of ['nope', 'places`; DROP TABLE places; --', 'PLACES', 'geosync_test.places']) {
      await rejectsWithCode(source.describeTable(name, AbortSignal.timeout(10_000)), 'table_not_found');
      await rejectsWithCode(readAll(source, name, ['id']), 'table_not_found');
    }
  });

  test('a missing column is column_not_found', async () => {
    await rejectsWithCode(readAll(source, 'places', ['id', 'nope']), 'column_not_found');
  });

  test('raw geometry table: listed columns become geometries, values come as stored', async () => {
    const rawGeometryTable = { table: 'raw`meta', tableColumn: 'tbl name', encoding: 'WKT' };
    const wkt = open({ rawGeometryTable });
    try {
      const table = await wkt.describeTable('raw_wkt', AbortSignal.timeout(10_000));
      assert.deepEqual(table.columns[1], {
        name: 'geom_wkt',
        pgType: 'geometry(POINT,4326)',
        nullable: true,
        rawGeometry: { encoding: 'WKT', type: 'POINT', srid: 4326 },
      });
      assert.equal(table.columns[0]!.rawGeometry, undefined);
      assert.deepEqual(await readAll(wkt, 'raw_wkt', ['geom_wkt']), [['POINT(1 2)']]);
    } finally {
      await wkt.close();
    }
    const hex = open({
      rawGeometryTable: { ...rawGeometryTable, table: 'geosync_test.`raw``meta`', encoding: 'WKB_HEX' },
    });
    try {
      const table = await hex.describeTable('raw_hex', AbortSignal.timeout(10_000));
      assert.equal(table.columns[1]!.pgType, 'geometry(Geometry,2154)');
      assert.deepEqual(table.columns[1]!.rawGeometry, { encoding: 'WKB_HEX', type: 'GEOMETRY', srid: 2154 });
      assert.deepEqual(await readAll(hex, 'raw_hex', ['geom_hex']), [['0101000000000000000000F03F0000000000000040']]);
      const untouched = await hex.describeTable('places', AbortSignal.timeout(10_000));
      assert.ok(untouched.columns.every((c) => c.rawGeometry === undefined));
    } finally {
      await hex.close();
    }
  });

  test('a raw geometry table that does not exist is a clear error', async () => {
    const broken = open({ rawGeometryTable: { table: 'no_such_meta', encoding: 'WKT' } });
    try {
      await assert.rejects(broken.describeTable('raw_wkt', AbortSignal.timeout(10_000)), (error) => {
        return (
          isGeosyncError(error) && error.code === 'raw_geometry_table_invalid' && /no_such_meta/.test(error.message)
        );
      });
    } finally {
      await broken.close();
    }
  });

  test('readRows streams a big table to the end', async () => {
    let count = 0;
    let last: SourceValue = null;
    for await (const row of source.readRows('big', ['id'], AbortSignal.timeout(60_000))) {
      count++;
      last = row[0]!;
    }
    assert.deepEqual([count, last], [100_000, 100_000]);
  });

  /** Ids of the server's connections of our user running a SELECT on `big`. */
  async function runningBigQueries(): Promise<unknown[]> {
    const [rows] = (await server.asRoot(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'geosync' AND INFO LIKE 'SELECT %big%'",
    )) as [unknown[]];
    return rows;
  }

  async function waitUntilNoBigQuery(): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await runningBigQueries()).length > 0) {
      assert.ok(Date.now() < deadline, 'the query still runs on the server 5 s later');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The first value of the iterator's next row (the iterator type says `any` once done). */
  async function nextId(iterator: AsyncIterator<SourceValue[]>): Promise<SourceValue | undefined> {
    const next = await iterator.next();
    return next.done ? undefined : next.value[0];
  }

  test('a slow consumer holds the server back: the table is not loaded into memory', async () => {
    const iterator = source.readRows('big', ['id', 'filler'], AbortSignal.timeout(30_000))[Symbol.asyncIterator]();
    assert.equal(await nextId(iterator), 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 15 MB of rows: had the driver read them all, the server would be done by now.
    assert.equal((await runningBigQueries()).length, 1, 'the server is not waiting for the reader');
    await iterator.return?.();
    await waitUntilNoBigQuery();
  });

  test('aborting mid-stream drops the connection at once, even while nobody reads', async () => {
    const controller = new AbortController();
    const iterator = source.readRows('big', ['id', 'filler'], controller.signal)[Symbol.asyncIterator]();
    for (let i = 1; i <= 1000; i++) assert.equal(await nextId(iterator), i);
    controller.abort(new Error('stop now'));
    await waitUntilNoBigQuery(); // nothing pulled the iterator: the abort itself ended the query
    const started = performance.now();
    await assert.rejects(iterator.next(), /stop now/);
    assert.ok(performance.now() - started < 500, 'took 500 ms or more to stop');
  });

  test('a consumer that stops early releases the connection', async () => {
    for await (const row of source.readRows('big', ['id'], AbortSignal.timeout(10_000))) {
      assert.equal(row[0], 1);
      break;
    }
  });

  test('test(): wrong password, unknown database, nothing listening: ok false, password never shown', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { password: 'wrong-Secret-123' },
        /Login refused for user 'geosync' at 127\.0\.0\.1:\d+: wrong user name or password/,
      ],
      [{ database: 'no_such_db' }, /^Database 'no_such_db' does not exist on .*, or user 'geosync' may not use it$/],
      [{ database: 'no_such_db', user: 'seer' }, /^Database 'no_such_db' does not exist on 127\.0\.0\.1:\d+$/],
      [{ port: 1 }, /Nothing is listening at 127\.0\.0\.1:1/],
    ];
    for (const [extra, message] of cases) {
      const connector = open(extra);
      try {
        const result = await connector.test(AbortSignal.timeout(10_000));
        assert.equal(result.ok, false);
        assert.match(result.message, message);
        const shown = JSON.stringify(result);
        assert.ok(!shown.includes('wrong-Secret-123') && !shown.includes(server.password), 'password shown');
      } finally {
        await connector.close();
      }
    }
  });

  test('data calls with a wrong password fail with database_login_failed', async () => {
    const connector = open({ password: 'wrong-Secret-123' });
    try {
      await rejectsWithCode(connector.listTables(AbortSignal.timeout(10_000)), 'database_login_failed');
      await rejectsWithCode(readAll(connector, 'places', ['id']), 'database_login_failed');
    } finally {
      await connector.close();
    }
  });

  test('an unreachable server is database_failed (retryable), quickly', async () => {
    const connector = open({ port: 1 });
    try {
      await assert.rejects(connector.describeTable('places', AbortSignal.timeout(10_000)), (error) => {
        return isGeosyncError(error) && error.kind === 'operational' && error.code === 'database_failed';
      });
    } finally {
      await connector.close();
    }
  });
});
