import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { pgGeometryType, pgTypeOfDeclared, portableSqliteDefault } from './geopackage-types.ts';

describe('GeoPackage types for PostgreSQL', () => {
  test('declared types: the GeoPackage ones, then SQLite affinity', () => {
    const cases: Array<[string, string]> = [
      ['INTEGER', 'bigint'],
      ['MEDIUMINT', 'integer'],
      ['TINYINT', 'smallint'],
      ['FLOAT', 'real'],
      ['REAL', 'double precision'],
      ['TEXT(20)', 'varchar(20)'],
      ['text', 'text'],
      ['BLOB(100)', 'bytea'],
      ['DATETIME', 'timestamptz'],
      ['decimal(8, 3)', 'numeric(8,3)'],
      ['UNSIGNED BIG INT', 'bigint'],
      ['NATIVE CHARACTER(70)', 'text'],
      ['DOUBLE PRECISION', 'double precision'],
      ['', 'text'],
      ['WHATEVER', 'text'],
    ];
    for (const [declared, expected] of cases) assert.equal(pgTypeOfDeclared(declared), expected, declared);
  });

  test('geometry columns: type, Z and M, SRID', () => {
    assert.equal(pgGeometryType({ type: 'MULTIPOLYGON', srid: 2154, z: 0, m: 0 }), 'geometry(MultiPolygon,2154)');
    assert.equal(pgGeometryType({ type: 'POINT', srid: 4326, z: 1, m: 1 }), 'geometry(PointZM,4326)');
    assert.equal(pgGeometryType({ type: 'LINESTRING', srid: 0, z: 0, m: 1 }), 'geometry(LineStringM)');
    assert.equal(pgGeometryType({ type: 'CURVE', srid: -1, z: 0, m: 0 }), 'geometry(Geometry)');
    assert.equal(pgGeometryType({ type: 'POINT', srid: 4326, z: 2, m: 0 }), 'geometry');
  });

  test('defaults: constants carry over, expressions do not', () => {
    assert.equal(portableSqliteDefault("'it''s'", 'text'), "'it''s'");
    assert.equal(portableSqliteDefault("'a\\b'", 'text'), "E'a\\\\b'");
    assert.equal(portableSqliteDefault('-1.5', 'double precision'), '-1.5');
    assert.equal(portableSqliteDefault("'12'", 'bigint'), '12');
    assert.equal(portableSqliteDefault("'x'", 'bigint'), undefined);
    assert.equal(portableSqliteDefault('1', 'boolean'), 'true');
    assert.equal(portableSqliteDefault('FALSE', 'boolean'), 'false');
    assert.equal(portableSqliteDefault("(strftime('%Y-%m-%dT%H:%M:%fZ','now'))", 'timestamptz'), 'now()');
    assert.equal(portableSqliteDefault('CURRENT_TIMESTAMP', 'text'), undefined);
    assert.equal(portableSqliteDefault('(random())', 'bigint'), undefined);
    assert.equal(portableSqliteDefault("x'00ff'", 'bytea'), undefined);
    assert.equal(portableSqliteDefault("'a' || 'b'", 'text'), undefined);
    assert.equal(portableSqliteDefault('NULL', 'text'), undefined);
    assert.equal(portableSqliteDefault(null, 'text'), undefined);
  });
});
