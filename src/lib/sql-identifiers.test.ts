import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseQualifiedName, quoteIdent, quoteQualified, tableNameCandidates } from './sql-identifiers.ts';

test('quoteIdent doubles quotes and keeps everything else as written', () => {
  assert.equal(quoteIdent('plain'), '"plain"');
  assert.equal(quoteIdent('a"b'), '"a""b"');
  assert.equal(quoteIdent('Mixed.Case'), '"Mixed.Case"');
  assert.equal(quoteIdent('x; drop table y'), '"x; drop table y"');
  assert.equal(quoteQualified({ schema: 'my schema', name: '"' }), '"my schema".""""');
});

test('quoteIdent rejects names PostgreSQL cannot have', () => {
  assert.throws(() => quoteIdent(''), /cannot be empty/);
  assert.throws(() => quoteIdent('a\0b'), /NUL/);
});

test('parseQualifiedName: raw names, taken as written', () => {
  assert.deepEqual(parseQualifiedName('roads', 'public'), { schema: 'public', name: 'roads' });
  assert.deepEqual(parseQualifiedName('Roads', 'data'), { schema: 'data', name: 'Roads' });
  assert.deepEqual(parseQualifiedName('gis.roads', 'public'), { schema: 'gis', name: 'roads' });
  assert.deepEqual(parseQualifiedName('a.b.c', 'public'), { schema: 'a', name: 'b.c' });
  assert.deepEqual(parseQualifiedName('x; drop table y', 'public'), { schema: 'public', name: 'x; drop table y' });
  assert.deepEqual(parseQualifiedName('a"b', 'public'), { schema: 'public', name: 'a"b' });
  // A dot at either end cannot separate two names.
  assert.deepEqual(parseQualifiedName('.hidden', 'public'), { schema: 'public', name: '.hidden' });
  assert.deepEqual(parseQualifiedName('trailing.', 'public'), { schema: 'public', name: 'trailing.' });
});

test('parseQualifiedName: quoted parts', () => {
  assert.deepEqual(parseQualifiedName('"My.Table"', 'public'), { schema: 'public', name: 'My.Table' });
  assert.deepEqual(parseQualifiedName('"a""b"', 'public'), { schema: 'public', name: 'a"b' });
  assert.deepEqual(parseQualifiedName('"S"."T.x"', 'public'), { schema: 'S', name: 'T.x' });
  assert.deepEqual(parseQualifiedName('gis."My Table"', 'public'), { schema: 'gis', name: 'My Table' });
  assert.deepEqual(parseQualifiedName('"gis".roads', 'public'), { schema: 'gis', name: 'roads' });
});

test('parseQualifiedName: malformed quoting is a raw name, not an error', () => {
  assert.deepEqual(parseQualifiedName('"open', 'public'), { schema: 'public', name: '"open' });
  assert.deepEqual(parseQualifiedName('""', 'public'), { schema: 'public', name: '""' });
  assert.deepEqual(parseQualifiedName('"a"b', 'public'), { schema: 'public', name: '"a"b' });
  assert.deepEqual(parseQualifiedName('"a"."b"."c"', 'public'), { schema: '"a"', name: '"b"."c"' });
});

test('tableNameCandidates: a raw dotted name is first a table of that name', () => {
  assert.deepEqual(tableNameCandidates('Mixed.Case', 'public'), [
    { schema: 'public', name: 'Mixed.Case' },
    { schema: 'Mixed', name: 'Case' },
  ]);
  assert.deepEqual(tableNameCandidates('roads', 'gis'), [{ schema: 'gis', name: 'roads' }]);
  assert.deepEqual(tableNameCandidates('"Mixed.Case"', 'public'), [{ schema: 'public', name: 'Mixed.Case' }]);
  assert.deepEqual(tableNameCandidates('"gis"."r"', 'public'), [{ schema: 'gis', name: 'r' }]);
});
