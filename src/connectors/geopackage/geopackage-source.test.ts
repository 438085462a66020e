import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import initSqlJs from 'sql.js';

import { pointWkb, polygonWkbBE } from '../../../test/fixtures/geopackage/gpkg-blob.ts';
import { makeTempDir } from '../../../test/helpers/temp-dir.ts';
import { isGeosyncError } from '../../errors/errors.ts';
import type { Connector } from '../connector.ts';
import { type DatabaseSource, GeometryValue, type SourceValue } from '../database.ts';
import { geopackageConnectorType as type } from './geopackage.connector.ts';
import { geopackageConfigSchema } from './geopackage.config.ts';

const fixture = path.join(import.meta.dirname, '../../../test/fixtures/geopackage/sample.gpkg');
const MANY_ROWS = 60_000;

let dataDir: string;
const files = () => path.join(dataDir, 'files');

function open(settings: Record<string, unknown>): Connector & DatabaseSource {
  return type.create(geopackageConfigSchema.parse(settings), { dataDir }) as Connector & DatabaseSource;
}

async function readAll(source: DatabaseSource, table: string, columns: string[]): Promise<SourceValue[][]> {
  const rows: SourceValue[][] = [];
  for await (const row of source.readRows(table, columns, AbortSignal.timeout(30_000))) rows.push(row);
  return rows;
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => isGeosyncError(error) && error.code === code);
}

/** The fixture plus a big attribute table `many`, written with sql.js (> 2 MiB). */
async function writeBigCopy(target: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(fixture));
  db.run(`CREATE TABLE many (id INTEGER PRIMARY KEY, txt TEXT);
    WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${MANY_ROWS})
    INSERT INTO many SELECT n, printf('%040d', n) FROM s;
    INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('many', 'attributes', 'many');`);
  writeFileSync(target, db.export());
  db.close();
}

before(async () => {
  dataDir = makeTempDir('gs-gpkg-');
  mkdirSync(path.join(files(), 'layers'), { recursive: true });
  copyFileSync(fixture, path.join(files(), 'layers/sample.gpkg'));
  await writeBigCopy(path.join(files(), 'big.gpkg'));
  writeFileSync(path.join(files(), 'text.gpkg'), 'not a database at all');
  const SQL = await initSqlJs();
  const plain = new SQL.Database();
  plain.run('CREATE TABLE t (id INTEGER)');
  writeFileSync(path.join(files(), 'plain-sqlite.gpkg'), plain.export());
  plain.close();
  const outside = makeTempDir('gs-outside-');
  copyFileSync(fixture, path.join(outside, 'elsewhere.gpkg'));
  symlinkSync(path.join(outside, 'elsewhere.gpkg'), path.join(files(), 'link.gpkg'));
});

describe('geopackage connector on the sample GeoPackage', () => {
  let source: Connector & DatabaseSource;
  before(() => {
    source = open({ path: 'layers/sample.gpkg' });
  });
  after(() => source.close());

  test('test() counts the layers', async () => {
    const result = await source.test(AbortSignal.timeout(10_000));
    assert.equal(result.ok, true, result.message);
    assert.match(
      result.message,
      /^GeoPackage 'layers\/sample\.gpkg' \(0\.0 MiB\) has 3 feature and 2 attribute tables$/,
    );
  });

  test('listTables: feature and attribute tables, plus unregistered ones; no GeoPackage internals', async () => {
    assert.deepEqual(await source.listTables(AbortSignal.timeout(10_000)), [
      'Odd "name".v1',
      'observations',
      'parcels',
      'plain_notes',
      'points',
      'v_points',
    ]);
  });

  test('describeTable: types, nullability, portable defaults, key, indexes with the R*Tree, comment, rows', async () => {
    const table = await source.describeTable('points', AbortSignal.timeout(10_000));
    assert.deepEqual(table.columns, [
      { name: 'fid', pgType: 'bigint', nullable: false },
      { name: 'geom', pgType: 'geometry(Point,4326)', nullable: true },
      { name: 'name', pgType: 'varchar(50)', nullable: false, default: "'unnamed'" },
      { name: 'population', pgType: 'bigint', nullable: true },
      { name: 'elevation', pgType: 'double precision', nullable: true },
      { name: 'visited', pgType: 'boolean', nullable: false, default: 'false' },
      { name: 'founded', pgType: 'date', nullable: true },
      { name: 'updated', pgType: 'timestamptz', nullable: true, default: 'now()' },
      { name: 'photo', pgType: 'bytea', nullable: true },
      { name: 'note', pgType: 'text', nullable: true, default: "'it''s here'" },
    ]);
    assert.deepEqual(table.primaryKey, ['fid']);
    // The partial index and the expression index cannot be rebuilt from column names.
    const indexes = [...table.indexes].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(indexes, [
      { name: 'points_name', columns: ['name'], unique: false, method: 'btree' },
      { name: 'points_name_founded', columns: ['name', 'founded'], unique: true, method: 'btree' },
      { name: 'rtree_points_geom', columns: ['geom'], unique: false, method: 'gist' },
    ]);
    assert.deepEqual(
      [table.name, table.kind, table.comment, table.estimatedRows],
      ['points', 'table', 'Places to visit', 5],
    );
  });

  test('a GeoPackage srs_id that stands for an EPSG code becomes that code', async () => {
    const table = await source.describeTable('parcels', AbortSignal.timeout(10_000));
    assert.equal(table.columns[1]!.pgType, 'geometry(Polygon,2154)');
    assert.equal(table.comment, 'Cadastral parcels');
    assert.deepEqual(table.indexes, [], 'no R*Tree on parcels');
  });

  test('attribute, unregistered and view tables', async () => {
    const types = async (name: string) =>
      (await source.describeTable(name, AbortSignal.timeout(10_000))).columns.map((c) => c.pgType);
    assert.deepEqual(await types('observations'), ['bigint', 'bigint', 'real', 'timestamptz', 'boolean']);
    assert.deepEqual(await types('plain_notes'), ['bigint', 'text', 'numeric(10,2)', 'numeric', 'text', 'varchar(8)']);
    const view = await source.describeTable('v_points', AbortSignal.timeout(10_000));
    assert.deepEqual([view.kind, view.primaryKey, view.indexes, view.estimatedRows], ['view', [], [], undefined]);
    assert.equal(view.columns[2]!.pgType, 'geometry(Point,4326)');
  });

  test('names match without regard to case, as in SQLite; odd names are names', async () => {
    const upper = await source.describeTable('POINTS', AbortSignal.timeout(10_000));
    assert.equal(upper.name, 'POINTS');
    assert.equal(upper.columns.length, 10);
    const odd = await source.describeTable('Odd "name".v1', AbortSignal.timeout(10_000));
    assert.deepEqual(odd.primaryKey, ['col "x"']);
    assert.equal(odd.comment, 'A table with an awkward name');
    assert.deepEqual(await readAll(source, 'Odd "name".v1', ['label', 'col "x"']), [['odd row', 7]]);
  });

  test('missing tables, GeoPackage internals and SQL are table_not_found', async () => {
    const names = ['nope', 'gpkg_contents', 'rtree_points_geom', 'sqlite_master', 'points"; DROP TABLE points; --'];
    for (const name of names) {
      await rejectsWithCode(source.describeTable(name, AbortSignal.timeout(10_000)), 'table_not_found');
      await rejectsWithCode(readAll(source, name, ['fid']), 'table_not_found');
    }
  });

  test('readRows: GeoPackage geometries become ISO WKB with the SRID, whatever their header', async () => {
    const rows = await readAll(source, 'points', ['fid', 'geom', 'name', 'population', 'visited', 'photo', 'updated']);
    assert.deepEqual(rows, [
      [
        1,
        new GeometryValue(pointWkb(4.835, 45.76), 4326),
        'Lyon',
        513275,
        true,
        Buffer.from('89504e47', 'hex'),
        '2024-05-06T07:08:09.123Z',
      ],
      [2, new GeometryValue(pointWkb(-1.5, 42.25), 4326), 'Pic', null, false, null, null],
      [3, new GeometryValue(pointWkb(NaN, NaN), 4326), 'Nowhere', 0, false, null, null],
      [4, null, 'Unknown', null, false, null, null],
      [5, null, 'Big', 9007199254740993n, false, null, null],
    ]);
  });

  test('readRows maps the srs_id of each geometry too', async () => {
    const rows = await readAll(source, 'parcels', ['geom', 'ref']);
    const ring: Array<[number, number]> = [
      [700000, 6600000],
      [700100, 6600000],
      [700100, 6600100],
      [700000, 6600000],
    ];
    assert.deepEqual(rows[0], [new GeometryValue(polygonWkbBE(ring), 2154), 'A-1']);
    assert.equal(rows.length, 2);
  });

  test('a missing column is column_not_found', async () => {
    await rejectsWithCode(readAll(source, 'points', ['fid', 'nope']), 'column_not_found');
  });
});

describe('geopackage connector: files', () => {
  test('a big table streams to the end, and an abort stops it mid-way', async () => {
    const source = open({ path: 'big.gpkg' });
    try {
      assert.equal((await readAll(source, 'many', ['id'])).length, MANY_ROWS);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('stop now')), 0);
      let count = 0;
      await assert.rejects(async () => {
        // A consumer that never waits on anything: only the reader's own turns let the timer fire.
        for await (const row of source.readRows('many', ['id', 'txt'], controller.signal)) count += row.length / 2;
      }, /stop now/);
      assert.ok(count < MANY_ROWS, `read all ${count} rows`);
    } finally {
      await source.close();
    }
  });

  test('a file over maxSizeMiB is refused before it is read', async () => {
    const source = open({ path: 'big.gpkg', maxSizeMiB: 1 });
    try {
      const result = await source.test(AbortSignal.timeout(10_000));
      assert.equal(result.ok, false);
      assert.match(
        result.message,
        /^'big\.gpkg' is \d+ MiB; geosync reads a GeoPackage in memory, up to maxSizeMiB \(1 MiB\)$/,
      );
      await rejectsWithCode(source.listTables(AbortSignal.timeout(10_000)), 'geopackage_too_large');
    } finally {
      await source.close();
    }
  });

  test('what is not a GeoPackage, missing, elsewhere or outside is refused clearly', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ path: 'text.gpkg' }, 'not_a_geopackage'],
      [{ path: 'plain-sqlite.gpkg' }, 'not_a_geopackage'],
      [{ path: 'missing.gpkg' }, 'file_not_found'],
      [{ path: 'no-folder/missing.gpkg' }, 'file_not_found'],
      [{ path: 'layers/sample.gpkg', fileService: 'ftp1' }, 'file_service_not_supported'],
      [{ path: 'link.gpkg' }, 'path_outside_root'],
    ];
    for (const [settings, code] of cases) {
      const source = open(settings);
      try {
        await rejectsWithCode(source.describeTable('points', AbortSignal.timeout(10_000)), code);
        const result = await source.test(AbortSignal.timeout(10_000));
        assert.equal(result.ok, false, `${JSON.stringify(settings)}: ${result.message}`);
      } finally {
        await source.close();
      }
    }
  });

  test('after close(), reading fails instead of using freed memory', async () => {
    const source = open({ path: 'layers/sample.gpkg' });
    assert.equal((await source.listTables(AbortSignal.timeout(10_000))).length, 6);
    await source.close();
    await assert.rejects(readAll(source, 'points', ['fid']), /closed/);
  });
});
