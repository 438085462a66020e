import assert from 'node:assert/strict';
import { test } from 'node:test';

import { guardSqlFragment } from './statement-guard.ts';

const unsafe = (pattern: RegExp) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, 'unsafe_sql');
  assert.match((error as Error).message, pattern);
  return true;
};

test('accepts SQL whose ";" and quotes stay inside strings, names, dollar quotes and comments', () => {
  const safe = [
    'id, name, geom',
    "kind <> 'a;b' AND note = 'it''s'",
    "E'\\'; still inside' = x",
    "e'\\\\' = x",
    '"odd;name", "a""b"',
    '$$;$$ || $tag$ $$ ; $tag$',
    'a /* ; /* nested ; */ still ; */ + 1',
    "a -- comment ; with a quote '\n + 1",
    "U&'d\\0061t;a' || B'101' || X'1F' || N'x;'",
    'x$1 + $1 + 1.5e3',
    '(SELECT max(a) FROM t WHERE (b))',
  ];
  for (const text of safe) assert.equal(guardSqlFragment(text, 'select-clause'), text, text);
});

test('refuses a second statement', () => {
  assert.throws(() => guardSqlFragment('1; DROP TABLE x', 'select-clause'), unsafe(/select-clause contains a ";"/));
  assert.throws(() => guardSqlFragment('true; DROP TABLE x; --', 'where-clause'), unsafe(/where-clause.*character 5/));
});

test('refuses what PostgreSQL reads outside a quote though it looks quoted', () => {
  // standard_conforming_strings: a backslash does not escape the quote, the string ends there.
  assert.throws(() => guardSqlFragment("'\\'; DROP TABLE x; --'", 'w'), unsafe(/";"/));
  // `x$$` is one identifier, not the start of a dollar quote.
  assert.throws(() => guardSqlFragment('x$$; DROP TABLE y; $$', 'w'), unsafe(/";"/));
  // `abe'...'` is a name then a standard string, not an E'' string.
  assert.throws(() => guardSqlFragment("abe'\\'; DROP TABLE y; --'", 'w'), unsafe(/";"/));
  // A dollar quote ends at the first repetition of its own tag only.
  assert.throws(() => guardSqlFragment('$a$ $b$ $a$; DROP TABLE y; $b$', 'w'), unsafe(/";"/));
});

test('refuses quotes, comments and parentheses left open, which would swallow what follows', () => {
  assert.throws(() => guardSqlFragment("name = 'open", 'w'), unsafe(/quoted string/));
  assert.throws(() => guardSqlFragment('"open', 'w'), unsafe(/quoted name/));
  assert.throws(() => guardSqlFragment('a /* open /* */', 'w'), unsafe(/comment/));
  assert.throws(() => guardSqlFragment('$q$ open', 'w'), unsafe(/\$\$ quote/));
  assert.throws(() => guardSqlFragment('true) OR (true', 'w'), unsafe(/closes a parenthesis/));
  assert.throws(() => guardSqlFragment('(true', 'w'), unsafe(/leaves a parenthesis open/));
  assert.throws(() => guardSqlFragment('  ', 'w'), unsafe(/is empty/));
  assert.throws(() => guardSqlFragment('a\0', 'w'), unsafe(/NUL/));
});

test('refuses what PostgreSQL versions lex differently', () => {
  assert.throws(() => guardSqlFragment("1e'\\''; DROP TABLE y; --'", 'w'), unsafe(/glues a number to a quote/));
  assert.throws(() => guardSqlFragment('1_$$;$$', 'w'), unsafe(/glues a number to a \$/));
  assert.throws(() => guardSqlFragment("E'a'\n'\\''; DROP TABLE y; --'", 'w'), unsafe(/continues an E'' string/));
});

test('a trailing ";" is accepted only when asked, and removed', () => {
  assert.throws(() => guardSqlFragment('SELECT 1;', 'definition'), unsafe(/";"/));
  assert.equal(guardSqlFragment('SELECT 1; -- done\n', 'definition', { allowTrailingSemicolon: true }), 'SELECT 1');
  assert.throws(
    () => guardSqlFragment('SELECT 1; SELECT 2', 'definition', { allowTrailingSemicolon: true }),
    unsafe(/";"/),
  );
});
