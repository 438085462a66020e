import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type CentralDatabase, parseDatasource, pointsAtCentral, quoteValue, rewriteDatasource } from './datasource.ts';

const central = { host: 'db.example.org', port: 5432, dbname: 'central' };
const clone = { host: 'localhost', port: 5433, dbname: 'clone', user: 'field' };

test('a datasource is read as QGIS reads it: quoted values with escapes, table with geometry, sql to the end', () => {
  const ds = `dbname='cen tral' host=db.example.org user='o\\'neil' password='p\\\\w d' key="id" table="my \\"s\\""."t\\"x" (the \\) geom) sql="a" = 'b c'  `;
  const segments = parseDatasource(ds);
  assert.deepEqual(
    segments.map((s) => [s.key, s.value]),
    [
      ['dbname', 'cen tral'],
      ['host', 'db.example.org'],
      ['user', "o'neil"],
      ['password', 'p\\w d'],
      ['key', 'id'],
      ['table', 'my "s"'],
      ['sql', `"a" = 'b c'  `],
    ],
  );
  assert.equal(segments.find((s) => s.key === 'table')!.raw, `table="my \\"s\\""."t\\"x" (the \\) geom)`);
  assert.equal(segments.map((s) => s.raw).join(' '), ds.trimEnd() + '  ');
});

test('only the central matches: database, then host and port when given, or the service', () => {
  const is = (ds: string, c: CentralDatabase = central) => pointsAtCentral(parseDatasource(ds), c);
  assert.ok(is(`dbname='central' host=DB.example.org port=5432 table="t"`));
  assert.ok(is(`dbname='central' table="t"`));
  assert.ok(!is(`dbname='central2' host=db.example.org table="t"`));
  assert.ok(!is(`dbname='central' host=other table="t"`));
  assert.ok(!is(`dbname='central' port=5433 table="t"`));
  assert.ok(!is(`service='central' table="t"`));
  assert.ok(is(`service='central' table="t"`, { ...central, service: 'central' }));
});

test('the rewrite puts the clone where the central was, drops the password, keeps the rest as written', () => {
  assert.equal(
    rewriteDatasource(
      `sslmode=require dbname='central' host=db.example.org port=5432 user='gis' password='x y' authcfg=ab12 key='id' table="s"."t" (g) sql=`,
      central,
      clone,
    ),
    `sslmode=require dbname='clone' host=localhost port=5433 user='field' authcfg=ab12 key='id' table="s"."t" (g) sql=`,
  );
  assert.equal(
    rewriteDatasource(`dbname='central' table="t"`, central, { ...clone, user: undefined }),
    `dbname='clone' host=localhost port=5433 table="t"`,
  );
  assert.equal(rewriteDatasource(`dbname='other' table="t"`, central, clone), undefined);
  // Not a table datasource (a bare connection string): left alone.
  assert.equal(rewriteDatasource(`dbname='central' host=db.example.org`, central, clone), undefined);
  assert.equal(quoteValue(`it's a \\ test`), `'it\\'s a \\\\ test'`);
});
