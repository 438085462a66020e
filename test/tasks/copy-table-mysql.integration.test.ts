/**
 * CopyTable from a real MariaDB into a real PostGIS: mapped types, native geometries with their
 * SRID, a raw WKB_HEX geometry column, keys and indexes; a source table that vanishes mid-run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import pg from 'pg';

import type { Connector } from '../../src/connectors/connector.ts';
import type { DatabaseSource } from '../../src/connectors/database.ts';
import { mysqlConnectorType } from '../../src/connectors/mysql/mysql.connector.ts';
import { postgisConnectorType } from '../../src/connectors/postgis/postgis.connector.ts';
import { copyTableTask as task } from '../../src/tasks/copy-table/copy-table.task.ts';
import type { TaskConnections } from '../../src/tasks/task-type.ts';
import { type MariadbServer, startMariadb } from '../helpers/mariadb.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { taskContext } from './task-context.ts';

let maria: MariadbServer;
let targetDb: TestDatabase;
let target: pg.Pool;
const connectors: Connector[] = [];
let connections: TaskConnections;

before(async () => {
  [maria, targetDb] = await Promise.all([startMariadb(), createTestDatabase('mysqlcopy')]);
  target = new pg.Pool({ connectionString: targetDb.url });
  const db = maria.database;
  await maria.asRoot(`CREATE TABLE \`${db}\`.stations (
      id int PRIMARY KEY AUTO_INCREMENT,
      code varchar(12) NOT NULL,
      active tinyint(1) DEFAULT 1,
      height decimal(7,2),
      note text,
      opened datetime,
      location point REF_SYSTEM_ID=4326 NOT NULL,
      raw_shape varchar(200),
      UNIQUE KEY stations_code (code),
      SPATIAL INDEX stations_location (location)
    ) COMMENT 'Weather stations'`);
  await maria.asRoot(
    `INSERT INTO \`${db}\`.stations (code, active, height, note, opened, location, raw_shape) VALUES
      ('A1', 1, 12.5, 'tab\\there', '2024-03-11 02:30:00', ST_GeomFromText('POINT(4.35 50.85)', 4326), ?),
      ('B2', 0, NULL, NULL, NULL, ST_GeomFromText('POINT(5 51)', 4326), NULL)`,
    ['0101000000000000000000f03f0000000000000040'],
  );
  await maria.asRoot(
    `CREATE TABLE \`${db}\`.geometry_meta (table_name text, column_name text, geometry_type text, srid int)`,
  );
  await maria.asRoot(`INSERT INTO \`${db}\`.geometry_meta VALUES ('stations', 'raw_shape', 'Point', 31370)`);
  const u = new URL(targetDb.url);
  const postgis = postgisConnectorType.create(
    postgisConnectorType.config.parse({
      host: u.hostname,
      port: Number(u.port),
      database: u.pathname.slice(1),
      user: u.username,
      sslMode: 'disable',
    }),
    { dataDir: '/nonexistent' },
  );
  const mysql = mysqlConnectorType.create(
    mysqlConnectorType.config.parse({
      host: maria.host,
      port: maria.port,
      database: db,
      user: maria.user,
      password: maria.password,
      rawGeometryTable: { table: 'geometry_meta', encoding: 'WKB_HEX' },
    }),
    { dataDir: '/nonexistent' },
  );
  connectors.push(postgis, mysql);
  connections = {
    database: (name) => Promise.resolve((name === 'maria' ? mysql : postgis) as never),
    postgres: () => Promise.resolve(postgis as never),
    fileService: () => Promise.reject(new Error('no files here')),
    localMapServer: 'local',
    mapServer: () => Promise.reject(new Error('no map server here')),
  };
});

after(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await target?.end();
  await targetDb?.drop();
  await maria?.stop();
});

const params = (table: string) =>
  task.parameters.parse({ 'source-database': 'maria', 'table-name': table, 'target-database': 'pg' });

test('a MariaDB table arrives with mapped types, geometries, keys, indexes and comment', async () => {
  const ctx = taskContext(connections);
  const outcome = await task.run(params('stations') as never, ctx);
  assert.match(outcome.message ?? '', /^copied 2 rows .* by text COPY/);
  await task.commitStaged(ctx.staged[0]!, taskContext(connections));
  const columns = await target.query<{ name: string; type: string; notnull: boolean }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull FROM pg_attribute
      WHERE attrelid = 'stations'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
  assert.deepEqual(
    columns.rows.map((c) => `${c.name} ${c.type}${c.notnull ? ' not null' : ''}`),
    [
      'id integer not null',
      'code character varying(12) not null',
      'active boolean',
      'height numeric(7,2)',
      'note text',
      'opened timestamp without time zone',
      'location geometry(Point,4326) not null',
      'raw_shape geometry(Point,31370)',
    ],
  );
  const rows = await target.query(
    `SELECT code, active, height::text, note, opened::text, ST_AsEWKT(location) AS location, ST_AsEWKT(raw_shape) AS raw
       FROM stations ORDER BY id`,
  );
  assert.deepEqual(rows.rows, [
    {
      code: 'A1',
      active: true,
      height: '12.50',
      note: 'tab\there',
      opened: '2024-03-11 02:30:00',
      location: 'SRID=4326;POINT(4.35 50.85)',
      raw: 'SRID=31370;POINT(1 2)',
    },
    { code: 'B2', active: false, height: null, note: null, opened: null, location: 'SRID=4326;POINT(5 51)', raw: null },
  ]);
  const indexes = await target.query<{ indexdef: string }>(
    `SELECT indexdef FROM pg_indexes WHERE tablename = 'stations'`,
  );
  const definitions = indexes.rows.map((r) => r.indexdef).join('\n');
  assert.match(definitions, /UNIQUE INDEX stations_pkey .*\(id\)/);
  assert.match(definitions, /UNIQUE INDEX stations_code .*\(code\)/);
  assert.match(definitions, /stations_location .*USING gist \(location\)/);
  assert.match(definitions, /USING gist \(raw_shape\)/, 'the converted raw column gets a spatial index too');
  const comment = await target.query<{ c: string }>(`SELECT obj_description('stations'::regclass, 'pg_class') AS c`);
  assert.equal(comment.rows[0]?.c, 'Weather stations');
});

test('a source table that vanishes between description and copy fails the task; rollback leaves nothing', async () => {
  await maria.asRoot(`CREATE TABLE \`${maria.database}\`.fleeting (id int PRIMARY KEY)`);
  const mysql = await connections.database('maria');
  // The table is dropped right after the task has described it, as another user might.
  const vanishing: DatabaseSource = {
    dialect: mysql.dialect,
    listTables: (signal) => mysql.listTables(signal),
    describeTable: async (name, signal) => {
      const description = await mysql.describeTable(name, signal);
      await maria.asRoot(`DROP TABLE \`${maria.database}\`.fleeting`);
      return description;
    },
    readRows: (name, columns, signal) => mysql.readRows(name, columns, signal),
  };
  const ctx = taskContext({ ...connections, database: () => Promise.resolve(vanishing) });
  await assert.rejects(task.run(params('fleeting') as never, ctx), /fleeting/);
  await task.rollbackStaged(ctx.staged[0]!, taskContext(connections));
  const left = await target.query(`SELECT relname FROM pg_class WHERE relname LIKE '%fleeting%'`);
  assert.deepEqual(left.rows, []);
});

test('MySQL index names, per table there, do not collide in the PostgreSQL schema', async () => {
  for (const table of ['depots', 'garages']) {
    await maria.asRoot(
      `CREATE TABLE \`${maria.database}\`.${table} (id int PRIMARY KEY, code varchar(5), INDEX code (code))`,
    );
    const ctx = taskContext(connections);
    await task.run(params(table) as never, ctx);
    await task.commitStaged(ctx.staged[0]!, taskContext(connections));
  }
  const names = await target.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE tablename IN ('depots', 'garages') ORDER BY 1`,
  );
  assert.deepEqual(
    names.rows.map((r) => r.indexname),
    ['depots_code', 'depots_pkey', 'garages_code', 'garages_pkey'],
  );
});
