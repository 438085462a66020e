import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseMysqlTableName, quoteMysqlIdent } from './mysql-identifiers.ts';
import { pgStringLiteral, pgTypeOf, portableDefault } from './mysql-types.ts';

describe('pgTypeOf', () => {
  const cases: Array<[Parameters<typeof pgTypeOf>[0], string]> = [
    [{ dataType: 'tinyint', columnType: 'tinyint(1)' }, 'boolean'],
    [{ dataType: 'tinyint', columnType: 'tinyint(1) unsigned' }, 'smallint'],
    [{ dataType: 'tinyint', columnType: 'tinyint' }, 'smallint'],
    [{ dataType: 'int', columnType: 'int unsigned' }, 'bigint'],
    [{ dataType: 'bigint', columnType: 'bigint(20) unsigned' }, 'numeric(20,0)'],
    [{ dataType: 'decimal', columnType: 'decimal(65,30)', precision: 65, scale: 30 }, 'numeric(65,30)'],
    [{ dataType: 'char', columnType: 'char(0)', charLength: 0 }, 'text'],
    [{ dataType: 'varchar', columnType: 'varchar(255)', charLength: 255 }, 'varchar(255)'],
    [{ dataType: 'longtext', columnType: 'longtext', json: true }, 'jsonb'],
    [{ dataType: 'datetime', columnType: 'datetime(6)', datetimePrecision: 6 }, 'timestamp(6)'],
    [{ dataType: 'timestamp', columnType: 'timestamp', datetimePrecision: 0 }, 'timestamptz'],
    [{ dataType: 'geomcollection', columnType: 'geomcollection', srid: 4326 }, 'geometry(GeometryCollection,4326)'],
    [{ dataType: 'multipolygon', columnType: 'multipolygon', srid: 0 }, 'geometry(MultiPolygon)'],
    [{ dataType: 'vector', columnType: 'vector(3)' }, 'text'],
  ];
  for (const [column, expected] of cases) {
    test(`${column.columnType} -> ${expected}`, () => assert.equal(pgTypeOf(column), expected));
  }
});

describe('portableDefault', () => {
  const mariadb = (columnDefault: string | null, pgType: string) =>
    portableDefault({ columnDefault, extra: '', mariadb: true }, pgType);
  const mysql8 = (columnDefault: string | null, pgType: string, extra = '') =>
    portableDefault({ columnDefault, extra, mariadb: false }, pgType);

  test('MariaDB reports SQL: quoted strings are unescaped, NULL and expressions dropped', () => {
    assert.equal(mariadb("'it''s \\\\ x\\n'", 'text'), "E'it''s \\\\ x\n'");
    assert.equal(mariadb("'plain'", 'varchar(10)'), "'plain'");
    assert.equal(mariadb('NULL', 'text'), undefined);
    assert.equal(mariadb('uuid()', 'uuid'), undefined);
    assert.equal(mariadb('(1 + 2)', 'integer'), undefined);
    assert.equal(mariadb('current_timestamp(3)', 'timestamptz(3)'), 'now()');
    assert.equal(mariadb('-1.5e3', 'double precision'), '-1.5e3');
    assert.equal(mariadb("'0000-00-00'", 'date'), undefined);
    assert.equal(mariadb("'a\\0b'", 'text'), undefined);
    assert.equal(mariadb("b'101'", 'bit(3)'), undefined);
  });

  test('MySQL reports raw values; DEFAULT_GENERATED marks expressions', () => {
    assert.equal(mysql8("it's", 'text'), "'it''s'");
    assert.equal(mysql8('42', 'integer'), '42');
    assert.equal(mysql8('42; DROP TABLE x', 'integer'), undefined);
    assert.equal(mysql8('CURRENT_TIMESTAMP', 'timestamptz', 'DEFAULT_GENERATED'), 'now()');
    assert.equal(mysql8('CURRENT_TIMESTAMP', 'text'), undefined);
    assert.equal(mysql8('(rand())', 'double precision', 'DEFAULT_GENERATED'), undefined);
    assert.equal(mysql8(null, 'text'), undefined);
  });

  test('booleans read MySQL numbers', () => {
    assert.equal(mariadb('1', 'boolean'), 'true');
    assert.equal(mysql8('0', 'boolean'), 'false');
  });

  test('string literals cannot escape their quotes', () => {
    assert.equal(pgStringLiteral("'); DROP TABLE t; --"), "'''); DROP TABLE t; --'");
    assert.equal(pgStringLiteral("\\'"), "E'\\\\'''");
  });
});

describe('MySQL identifiers', () => {
  test('quoteMysqlIdent doubles backticks and refuses NUL and empty', () => {
    assert.equal(quoteMysqlIdent('a`b'), '`a``b`');
    assert.equal(quoteMysqlIdent('x.y "z"'), '`x.y "z"`');
    assert.throws(() => quoteMysqlIdent(''));
    assert.throws(() => quoteMysqlIdent('a\0'));
  });

  test('parseMysqlTableName reads raw and backtick-quoted parts', () => {
    assert.deepEqual(parseMysqlTableName('meta'), { table: 'meta' });
    assert.deepEqual(parseMysqlTableName('db.meta'), { database: 'db', table: 'meta' });
    assert.deepEqual(parseMysqlTableName('`my.meta`'), { table: 'my.meta' });
    assert.deepEqual(parseMysqlTableName('db.`a``b`'), { database: 'db', table: 'a`b' });
    assert.deepEqual(parseMysqlTableName('a.b.c'), { table: 'a.b.c' });
    assert.deepEqual(parseMysqlTableName('raw`meta'), { table: 'raw`meta' });
  });
});
