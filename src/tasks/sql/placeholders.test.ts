import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fillPlaceholders, parsePlaceholders, quoteIdentifierPath } from './placeholders.ts';

const attributes = {
  cols: 'id, name',
  table: 'gis.Roads',
  'odd-name': 'we"ird name',
  kind: "O'Brien'; DROP TABLE x; --",
  empty: '',
};

test('the three forms: raw text, quoted identifier, quoted literal', () => {
  assert.equal(
    fillPlaceholders(
      'SELECT ${cols} FROM ${table:ident} WHERE k = ${kind:literal} AND n = ${odd-name:ident}',
      attributes,
    ),
    `SELECT id, name FROM "gis"."Roads" WHERE k = 'O''Brien''; DROP TABLE x; --' AND n = "we""ird name"`,
  );
  assert.equal(fillPlaceholders('${cols}${cols}', attributes), 'id, nameid, name');
  assert.equal(fillPlaceholders('x = ${empty:literal}', attributes), "x = ''");
  assert.equal(fillPlaceholders('no placeholders, $1, $$a$$', attributes), 'no placeholders, $1, $$a$$');
});

test('identifiers: schema.table quoted part by part, already quoted parts kept as one name', () => {
  assert.equal(quoteIdentifierPath('roads'), '"roads"');
  assert.equal(quoteIdentifierPath('Mixed Case'), '"Mixed Case"');
  assert.equal(quoteIdentifierPath('gis.roads'), '"gis"."roads"');
  assert.equal(quoteIdentifierPath('"my.table"'), '"my.table"');
  assert.equal(quoteIdentifierPath('gis."a""b"'), '"gis"."a""b"');
  assert.equal(quoteIdentifierPath('x"; DROP TABLE y; --'), '"x""; DROP TABLE y; --"');
});

test('a placeholder naming no attribute fails, naming every missing one once', () => {
  assert.throws(
    () => fillPlaceholders('SELECT ${cols} FROM ${nope:ident} JOIN ${gone} USING (${nope})', attributes),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'unknown_attribute');
      assert.match(error.message, /attributes 'nope', 'gone', which the configuration does not have/);
      return true;
    },
  );
  // Not an own attribute: Object.prototype names are no attributes.
  assert.throws(() => fillPlaceholders('${constructor}', attributes), /'constructor'/);
});

test('malformed placeholders are errors, not left in the SQL', () => {
  const invalid = (pattern: RegExp) => (error: Error & { code?: string }) =>
    error.code === 'invalid_placeholder' && pattern.test(error.message);
  assert.throws(() => parsePlaceholders('a ${cols'), invalid(/not closed/));
  assert.throws(() => parsePlaceholders('${cols:raw}'), invalid(/must be ident or literal/));
  assert.throws(() => parsePlaceholders('${ cols }'), invalid(/does not name an attribute/));
  assert.throws(() => parsePlaceholders('${}'), invalid(/does not name an attribute/));
  assert.throws(() => fillPlaceholders('${empty:ident}', attributes), invalid(/not a valid name/));
  assert.throws(() => fillPlaceholders('${nul:literal}', { nul: 'a\0b' }), /NUL/);
});

test('raw and ident placeholders naming a staged relation read the staged one; literals never', () => {
  const staged = (value: string) => (value === 'gis.Roads' ? '"gis"."_temp_1234abcd_Roads"' : undefined);
  assert.equal(
    fillPlaceholders('${table} ${table:ident} ${table:literal} ${cols}', attributes, { stagedRelation: staged }),
    `"gis"."_temp_1234abcd_Roads" "gis"."_temp_1234abcd_Roads" 'gis.Roads' id, name`,
  );
});
