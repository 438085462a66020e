/**
 * Study §6 "Geometry" (shared/reference/two-way-db-sync-study.md): §6.35 bit-exact geometries
 * (100k vertices, SRID, Z/M, empty, curves), §6.38 invalid geometries against CHECK constraints,
 * §6.39 value precision across nodes whose TimeZone/DateStyle (and other output settings) differ.
 * §6.36 and §6.37 (concurrent geometry edits) belong to the merge tests.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { quoteIdent } from '../../src/lib/sql-identifiers.ts';
import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';
import {
  canonicalMeasures,
  differences,
  MEASURE_COLUMNS,
  roundTripProblems,
  setDatabaseDefaults,
} from './measure-values.ts';

let cluster: SyncCluster;
let nodes: SyncNodeDatabase[];
before(async () => {
  cluster = await createSyncCluster({
    setupSql: `CREATE SCHEMA field;
      CREATE TABLE field.zone (id serial PRIMARY KEY, name text, geom geometry(Polygon, 2154));
      CREATE TABLE field.shape (id serial PRIMARY KEY, label text, geom geometry);
      CREATE TABLE field.probe (id serial PRIMARY KEY, label text, geom geometry(PointZM, 4326), geog geography(PointZ, 4326));
      CREATE TABLE field.checked_zone (id serial PRIMARY KEY, name text, geom geometry(Polygon, 2154));
      CREATE TABLE field.plain_zone (id serial PRIMARY KEY, name text, geom geometry(Polygon, 2154));
      CREATE TABLE field.measure (id serial PRIMARY KEY, label text, f8 float8, n numeric(30, 10), ts timestamp,
        tstz timestamptz, d date, iv interval, b bytea, j jsonb, tags text[]);`,
    schemas: ['field'],
    // manual: a value the clone wrongly sees as concurrently changed is kept back, not just noted
    rules: { 'field.measure': 'manual' },
    seedSql: `INSERT INTO field.zone (name, geom)
        SELECT 'big', ST_Buffer(ST_SetSRID(ST_MakePoint(652000.123, 6862000.456), 2154), 1000, 25000);
      INSERT INTO field.checked_zone (name, geom) VALUES ('E', 'SRID=2154;POLYGON((0 0, 5 0, 5 5, 0 5, 0 0))');`,
  });
  nodes = [cluster.central, ...cluster.clones];
});
after(() => cluster?.close());

interface GeomRow {
  uid: string;
  label: string | null;
  /** Hex EWKB up to 1,000 bytes; for bigger ones their md5 and length. */
  ewkb: string | null;
  srid: number | null;
  zm: number | null;
  type: string | null;
}

/** Every geometry of a table as hex EWKB (the exact bytes), with SRID, Z/M flag and type. */
async function geometries(node: SyncNodeDatabase, table: string, column = 'geom'): Promise<GeomRow[]> {
  const label = table === 'field.shape' || table === 'field.probe' ? 'label' : 'name';
  const [schema, name] = table.split('.') as [string, string];
  const g = quoteIdent(column);
  return node.query<GeomRow>(
    `SELECT uid::text, ${quoteIdent(label)} AS label, CASE WHEN octet_length(ST_AsEWKB(${g}::geometry)) <= 1000
              THEN encode(ST_AsEWKB(${g}::geometry), 'hex')
              ELSE md5(ST_AsEWKB(${g}::geometry)) || ' ' || octet_length(ST_AsEWKB(${g}::geometry)) END AS ewkb,
            ST_SRID(${g}::geometry) AS srid, ST_Zmflag(${g}::geometry)::int AS zm, GeometryType(${g}::geometry) AS type
       FROM ${quoteIdent(schema)}.${quoteIdent(name)} ORDER BY uid`,
  );
}

async function assertSameGeometries(table: string, column = 'geom'): Promise<GeomRow[]> {
  const [central, ...clones] = await Promise.all(nodes.map((n) => geometries(n, table, column)));
  for (const [i, rows] of clones.entries()) assert.deepEqual(rows, central, `${table}.${column} on clone${i}`);
  return central!;
}

const bigVertex = (node: SyncNodeDatabase, n: number) =>
  node.query<{ x: number; y: number; points: number }>(
    `SELECT ST_X(p) AS x, ST_Y(p) AS y, ST_NPoints(geom) AS points
       FROM field.zone, LATERAL (SELECT ST_PointN(ST_ExteriorRing(geom), $1) AS p) v WHERE name = 'big'`,
    [n],
  );

/** Moves vertex `n` (1-based) of the big polygon's ring by (dx, dy). */
const moveVertex = (node: SyncNodeDatabase, n: number, dx: number, dy: number) =>
  node.query(
    `UPDATE field.zone SET geom = ST_MakePolygon(ST_SetPoint(ST_ExteriorRing(geom), $1 - 1,
       ST_Translate(ST_PointN(ST_ExteriorRing(geom), $1), $2, $3))) WHERE name = 'big'`,
    [n, dx, dy],
  );

test('§6.35 a vertex moved on a 100k-vertex polygon round-trips bit-exact (hex EWKB) both ways', async () => {
  const [start] = await bigVertex(cluster.central, 50_000);
  assert.equal(start!.points, 100_001);
  await moveVertex(cluster.clones[0]!, 50_000, 0.1234567890123, -1e-9);
  const report = await cluster.sync(0);
  assert.equal(report.toCentral.changes, 1);
  await cluster.sync(1);
  const [moved] = await assertSameGeometries('field.zone');
  assert.match(moved!.ewkb!, new RegExp(` ${9 + 4 + 4 + 100_001 * 16}$`), 'EWKB: header, SRID, rings, points');
  assert.equal(moved!.srid, 2154);
  const [after0] = await bigVertex(cluster.central, 50_000);
  assert.equal(after0!.x, start!.x + 0.1234567890123);
  assert.equal(after0!.y, start!.y - 1e-9);

  // And back: a central edit of another vertex reaches both clones bit for bit.
  await moveVertex(cluster.central, 7, 1e-7, 3.3);
  for (const i of [0, 1]) assert.equal((await cluster.sync(i)).toClone.changes, 1);
  await assertSameGeometries('field.zone');
  assert.deepEqual(await cluster.conflicts(), []);
});

test('§6.35 SRID, Z/M, empty geometries and curve types round-trip in a generic geometry column', async () => {
  const shapes = [
    ['srid 3857', 'SRID=3857;POINT(1.5 -2.25)'],
    ['point zm', 'SRID=4326;POINT ZM (1 2 3 4)'],
    ['point m, no srid', 'POINT M (1 2 3)'],
    ['empty polygon', 'SRID=2154;POLYGON EMPTY'],
    ['empty point', 'POINT EMPTY'],
    ['empty collection', 'GEOMETRYCOLLECTION EMPTY'],
    ['circular string', 'SRID=2154;CIRCULARSTRING(0 0, 1 1, 2 0)'],
    ['curve polygon', 'SRID=2154;CURVEPOLYGON(CIRCULARSTRING(0 0, 4 0, 4 4, 0 4, 0 0))'],
    ['compound curve z', 'COMPOUNDCURVE Z (CIRCULARSTRING Z (0 0 1, 1 1 2, 1 0 3), (1 0 3, 0 1 4))'],
    [
      'multisurface',
      'MULTISURFACE(CURVEPOLYGON(CIRCULARSTRING(0 0, 4 0, 4 4, 0 4, 0 0)), ((10 10, 14 12, 11 10, 10 10)))',
    ],
    ['polyhedral surface', 'POLYHEDRALSURFACE Z (((0 0 0, 0 1 0, 1 1 0, 0 0 0)))'],
    ['tin', 'TIN (((0 0 0, 0 0 1, 0 1 0, 0 0 0)))'],
    ['null', null],
  ] as const;
  // One statement: a refused row leaves none of them behind for the next tests.
  await cluster.clones[0]!.query(
    `INSERT INTO field.shape (label, geom) SELECT s->>0, (s->>1)::geometry FROM jsonb_array_elements($1::jsonb) s`,
    [JSON.stringify(shapes)],
  );
  await cluster.clones[0]!.query(
    `INSERT INTO field.probe (label, geom, geog) VALUES ('zm', 'SRID=4326;POINT ZM (2.35 48.85 35.5 1700000000.25)',
       'SRID=4326;POINT Z (2.3522219 48.856614 35.123456789)')`,
  );
  await cluster.sync(0);
  await cluster.sync(1);
  const rows = await assertSameGeometries('field.shape');
  const byLabel = new Map(rows.map((r) => [r.label, r]));
  assert.equal(rows.length, shapes.length);
  assert.deepEqual(
    [byLabel.get('srid 3857')?.srid, byLabel.get('point zm')?.zm, byLabel.get('point m, no srid')?.zm],
    [3857, 3, 1],
  );
  assert.equal(byLabel.get('curve polygon')?.type, 'CURVEPOLYGON');
  assert.equal(byLabel.get('empty polygon')?.srid, 2154);
  assert.equal(byLabel.get('null')?.ewkb, null);
  const [probe] = await assertSameGeometries('field.probe');
  assert.deepEqual([probe!.srid, probe!.zm, probe!.type], [4326, 3, 'POINT']);
  await assertSameGeometries('field.probe', 'geog');

  // Edited on the central: a curve replaced by another curve, an empty geometry filled.
  await cluster.central.query(`UPDATE field.shape SET geom = 'SRID=2154;CIRCULARSTRING(0 0, 1 2, 2 0, 3 -2, 4 0)'
    WHERE label = 'circular string'`);
  await cluster.central.query(`UPDATE field.shape SET geom = 'SRID=2154;POLYGON((0 0, 1 0, 1 1, 0 0))'
    WHERE label = 'empty polygon'`);
  for (const i of [0, 1]) await cluster.sync(i);
  await assertSameGeometries('field.shape');
  assert.deepEqual(await cluster.conflicts(), []);
});

test('§6.38 an invalid geometry from a clone: quarantined under a CHECK (ST_IsValid), applied as is without; the rest of the batch goes through', async () => {
  // The central tightened its rules after the clones were deployed (the clones have no check).
  await cluster.central.query(
    `ALTER TABLE field.checked_zone ADD CONSTRAINT checked_zone_valid CHECK (ST_IsValid(geom))`,
  );
  const bowtie = 'SRID=2154;POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))';
  const clone = cluster.clones[0]!;
  await clone.query(`BEGIN;
    INSERT INTO field.checked_zone (name, geom) VALUES ('A', 'SRID=2154;POLYGON((0 0, 1 0, 1 1, 0 0))');
    INSERT INTO field.checked_zone (name, geom) VALUES ('B', '${bowtie}');
    INSERT INTO field.checked_zone (name, geom) VALUES ('C', 'SRID=2154;POLYGON((2 2, 3 2, 3 3, 2 2))');
    UPDATE field.checked_zone SET geom = '${bowtie}' WHERE name = 'E';
    INSERT INTO field.plain_zone (name, geom) VALUES ('D', '${bowtie}');
    COMMIT;`);
  const report = await cluster.sync(0);
  assert.equal(report.toCentral.changes, 5);
  assert.equal(report.quarantined, 2, 'B (insert) and E (update) fail the central check');

  const names = async (node: SyncNodeDatabase, table: string) =>
    (await node.query<{ name: string }>(`SELECT name FROM ${table} ORDER BY name`)).map((r) => r.name);
  assert.deepEqual(await names(cluster.central, 'field.checked_zone'), ['A', 'C', 'E']);
  const [e] = await cluster.central.query<{ valid: boolean }>(
    `SELECT ST_IsValid(geom) AS valid FROM field.checked_zone WHERE name = 'E'`,
  );
  assert.equal(e!.valid, true, "E keeps the central's valid geometry");
  const uids = new Map(
    (await clone.query<{ name: string; uid: string }>('SELECT name, uid::text FROM field.checked_zone')).map((r) => [
      r.name,
      r.uid,
    ]),
  );
  const pending = (await cluster.conflicts()).filter((c) => c.table === 'field.checked_zone');
  assert.deepEqual(
    pending.map((c) => [c.rowUid, c.kind, c.outcome, c.sqlstate]).sort(),
    [
      [uids.get('B'), 'constraint_violation', 'pending', '23514'],
      [uids.get('E'), 'constraint_violation', 'pending', '23514'],
    ].sort(),
  );
  assert.ok(pending.every((c) => /checked_zone_valid/.test(c.message ?? '')));

  // Without a check the invalid polygon is applied byte for byte.
  const [plain] = await assertGeometryOnCentral('D');
  assert.equal(plain!.valid, false);

  // A later edit of a quarantined row waits behind its conflict.
  await clone.query(`UPDATE field.checked_zone SET name = 'B2' WHERE name = 'B'`);
  const later = await cluster.sync(0);
  assert.equal(later.quarantined, 1);
  assert.deepEqual(await names(cluster.central, 'field.checked_zone'), ['A', 'C', 'E']);
  assert.ok((await cluster.conflicts()).some((c) => c.rowUid === uids.get('B') && /held back/.test(c.message ?? '')));

  // The other clone gets what the central accepted, nothing of the quarantined rows.
  await cluster.sync(1);
  assert.equal((await cluster.verify(1)).equal, true);
  const diff = (await cluster.verify(0)).tables.find((t) => t.table === 'field.checked_zone')!;
  assert.deepEqual(diff.extraOnClone, [uids.get('B')]);
  assert.deepEqual(diff.different, [{ uid: uids.get('E'), columns: ['geom'] }]);
});

async function assertGeometryOnCentral(name: string) {
  const rows = await Promise.all(
    nodes
      .slice(0, 2)
      .map((n) =>
        n.query<{ ewkb: string; valid: boolean }>(
          `SELECT encode(ST_AsEWKB(geom), 'hex') AS ewkb, ST_IsValid(geom) AS valid FROM field.plain_zone WHERE name = $1`,
          [name],
        ),
      ),
  );
  assert.deepEqual(rows[0], rows[1]);
  assert.equal(rows[0]!.length, 1);
  return rows[0]!;
}

const lastConflictId = async () => Math.max(0, ...(await cluster.conflicts()).map((c) => c.id));

test('§6.39 float, numeric, timestamp(tz), date, interval, bytea, jsonb, text[] survive both ways across nodes with different TimeZone and DateStyle', async () => {
  await setDatabaseDefaults(cluster, [
    [cluster.central, { TimeZone: 'Asia/Kathmandu', DateStyle: 'Postgres, MDY' }],
    [cluster.clones[0]!, { TimeZone: 'Pacific/Chatham', DateStyle: 'SQL, DMY' }],
    [cluster.clones[1]!, { TimeZone: 'America/St_Johns', DateStyle: 'German, DMY' }],
  ]);
  const since = await lastConflictId();
  // ISO literals: read the same under any DateStyle, so the stored values are known.
  await cluster.clones[0]!.query(`INSERT INTO field.measure ${MEASURE_COLUMNS} VALUES
    ('r1', 0.1::float8 + 0.2::float8, 12345678901234567890.0123456789, '2024-03-05 10:11:12.123456',
     '2024-03-31 01:30:00.000001+00', '2024-02-29', '1 year 2 mons 3 days 04:05:06.789', '\\x00ff5c27',
     '{"a": [1, 2.50, null, "é"], "big": 12345678901234567890.123456789}', '{"a,b","c\\"d",NULL,"","é"}'),
    ('r2', 5e-324, -0.0000000001, '0044-03-15 12:00:00 BC', '1900-01-01 00:00:00+00', '4713-01-01 BC',
     '1 mon -1 sec', '\\x', '[]', '{}'),
    ('r3', 'NaN', 'NaN', 'infinity', '-infinity', 'infinity', '00:00:00.000001',
     (SELECT string_agg(set_byte('\\x00'::bytea, 0, g), ''::bytea) FROM generate_series(0, 255) g), '"text"', NULL),
    ('r4', '-Infinity', 99999999999999999999.9999999999, '2024-12-31 23:59:59.999999', '2024-10-27 01:30:00+01',
     '2000-01-01', '-178000000 years', NULL, NULL, '{{"x","y"},{"z",NULL}}')`);
  // A jsonb column holding the JSON value null is not in the samples: the change log keeps values
  // as jsonb, where it reads back as SQL NULL (documented in docs/dbsync.md).
  const [style] = await cluster.clones[0]!.query<{ d: string }>(`SELECT '2024-03-05'::date::text AS d`);
  assert.equal(style!.d, '05/03/2024', 'the clone session really runs with DateStyle SQL, DMY');
  const truth = await canonicalMeasures(cluster.clones[0]!);
  await cluster.sync(0);
  await cluster.sync(1);
  const problems = differences('central after the first sync', truth, await canonicalMeasures(cluster.central));

  // Back the other way, and clone to clone through the central.
  await cluster.central.query(`UPDATE field.measure SET f8 = 1.7976931348623157e308, n = 0.0000000001,
      ts = '1999-12-31 23:59:59.5', tstz = '2025-01-01 00:00:00.5+05:45', d = '1999-12-31', iv = '-1 day +02:00',
      b = '\\x27', j = '{"k": 0.1000}', tags = '{"central"}' WHERE label = 'r1'`);
  await cluster.clones[1]!
    .query(`UPDATE field.measure SET tstz = '2024-06-01 12:00:00-02:30', ts = '2024-06-01 12:00:00',
      iv = '1 day', f8 = 2.2250738585072014e-308 WHERE label = 'r2'`);
  for (const i of [1, 0, 1]) await cluster.sync(i);
  problems.push(...(await roundTripProblems(cluster, since, ['r1', 'r2', 'r3', 'r4'])));
  assert.deepEqual(problems, []);
});

test('§6.39 the other output settings (extra_float_digits, IntervalStyle, bytea_output) do not change values either', async () => {
  await setDatabaseDefaults(cluster, [
    [cluster.central, { IntervalStyle: 'iso_8601' }],
    [cluster.clones[0]!, { extra_float_digits: '0', IntervalStyle: 'sql_standard', bytea_output: 'escape' }],
  ]);
  const since = await lastConflictId();
  await cluster.clones[0]!.query(`INSERT INTO field.measure ${MEASURE_COLUMNS} VALUES
    ('r5', 0.1::float8 + 0.2::float8, 1, '2024-01-01', '2024-01-01 00:00:00+00', '2024-01-01',
     '1 year -2 days 03:00:00.5', '\\x5c00ff', '{}', '{}')`);
  const truth = await canonicalMeasures(cluster.clones[0]!);
  assert.equal(truth.find((r) => r.label === 'r5')!.f8, '3fd3333333333334', '0.30000000000000004 is stored');
  await cluster.central.query(`UPDATE field.measure SET iv = '3 mons -4 days', b = '\\x5c5c' WHERE label = 'r3'`);
  for (const i of [0, 1, 0]) await cluster.sync(i);
  assert.deepEqual(await roundTripProblems(cluster, since, ['r3', 'r5']), []);
});
