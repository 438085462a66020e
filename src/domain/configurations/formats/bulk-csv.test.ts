import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { UserError } from '../../../errors/errors.ts';
import { parseBulkCsv } from './bulk-csv.ts';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../../test/fixtures/csv/${name}`, import.meta.url), 'utf8');

const invalidCsv = (pattern: RegExp, fields?: string[]) => (error: unknown) => {
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  assert.equal(error.code, 'invalid_csv');
  assert.match(error.message, pattern);
  if (fields) assert.deepEqual(error.details.map((d) => d.field).filter(Boolean), fields);
  return true;
};

describe('parseBulkCsv: rows', () => {
  test('quoted values with commas, quotes and newlines', () => {
    const { rows, errors } = parseBulkCsv(fixture('quoted.csv'), { knownAttributes: ['table-name', 'where-clause'] });
    assert.deepEqual(errors, []);
    assert.deepEqual(rows, [
      {
        line: 2,
        name: 'roads',
        description: 'Roads, motorways and "B" roads',
        workspace: 'transport',
        attributes: { 'table-name': 'public.roads', 'where-clause': "kind IN ('A', 'B')" },
      },
      {
        line: 3,
        name: 'rivers',
        description: 'Rivers\n(two lines)',
        workspace: 'hydro',
        attributes: { 'table-name': 'public.rivers', 'where-clause': '' },
      },
      {
        line: 5,
        name: 'lakes',
        workspace: 'hydro',
        attributes: { 'table-name': 'public."Lakes"', 'where-clause': 'area > 10' },
      },
    ]);
  });

  test('BOM, semicolons, CRLF and an empty line (Task Manager style)', () => {
    const { rows, errors } = parseBulkCsv(fixture('bom-semicolon.csv'), { knownAttributes: null });
    assert.deepEqual(errors, []);
    assert.deepEqual(
      rows.map((r) => [r.line, r.name, r.description, r.attributes]),
      [
        [2, 'roads_be', 'Routes', { 'table-name': 'public.roads', layer: 'roads' }],
        [4, 'rivers_be', "Rivières; cours d'eau", { 'table-name': 'public.rivers', layer: 'rivers' }],
      ],
    );
  });

  test('bad rows are reported with line and field; good rows are kept', () => {
    const { rows, errors } = parseBulkCsv(fixture('row-errors.csv'), { knownAttributes: ['table-name'] });
    assert.deepEqual(
      rows.map((r) => [r.line, r.name, r.workspace]),
      [[8, 'ok', undefined]],
    );
    assert.deepEqual(
      errors.map((e) => [e.line, e.field, e.message.replace(/:.*/, '')]),
      [
        [2, 'name', "name 'roads' is also used on line 6"],
        [3, 'name', 'name is empty'],
        [4, undefined, 'too few fields'],
        [5, undefined, 'field 3'],
        [6, 'name', "name 'roads' is also used on line 2"],
        [7, undefined, 'too many fields'],
      ],
    );
  });

  test('names follow the rule of a configuration created one by one', () => {
    const { rows, errors } = parseBulkCsv('name\nmy road\n9parks\nroads_2024.v1\n', { knownAttributes: [] });
    assert.deepEqual(
      rows.map((r) => r.name),
      ['roads_2024.v1'],
    );
    assert.deepEqual(
      errors.map((e) => [e.line, e.field, e.message]),
      [
        [2, 'name', "name 'my road' must start with a letter, then letters, digits, _ . - only (63 at most)"],
        [3, 'name', "name '9parks' must start with a letter, then letters, digits, _ . - only (63 at most)"],
      ],
    );
  });

  test('a name used three times names the other lines on each', () => {
    const { rows, errors } = parseBulkCsv('name\na\nb\na\na\n', { knownAttributes: [] });
    assert.deepEqual(
      rows.map((r) => r.name),
      ['b'],
    );
    assert.deepEqual(
      errors.map((e) => e.message),
      [2, 4, 5].map(
        (l) =>
          `name 'a' is also used on lines ${[2, 4, 5].filter((x) => x !== l).join(', ')}: names must be unique in the file`,
      ),
    );
  });

  test('values too long for a configuration are row errors', () => {
    const { rows, errors } = parseBulkCsv(`name,description,a\n${'n'.repeat(201)},${'d'.repeat(2001)},x\n`, {
      knownAttributes: null,
    });
    assert.deepEqual(rows, []);
    assert.deepEqual(
      errors.map((e) => e.field),
      ['name', 'description'],
    );
  });

  test('an unterminated quote refuses the file with its line', () => {
    assert.throws(
      () => parseBulkCsv('name;a\nx;1\ny;"2\n', { knownAttributes: null }),
      invalidCsv(/line 3: .*never closed/),
    );
  });
});

describe('parseBulkCsv: header', () => {
  test('every header problem is named at once', () => {
    assert.throws(
      () => parseBulkCsv(fixture('wrong-columns.csv'), { knownAttributes: ['table-name', 'layer', 'database'] }),
      (error: unknown) => {
        invalidCsv(/Column 'table-name' appears 2 times \(columns 2, 3\)/, ['table-name', 'Layer', 'colour'])(error);
        const messages = (error as UserError).details.map((d) => d.message);
        assert.ok(messages.some((m) => m === 'Column 5 has no name'));
        assert.ok(
          messages.some((m) =>
            /Unknown attribute columns 'Layer', 'colour'; the template has: table-name, layer, database/.test(m),
          ),
        );
        assert.equal(messages.length, 4);
        return true;
      },
    );
  });

  test("a missing 'name' column hints at case", () => {
    assert.throws(
      () => parseBulkCsv('Name;a\nx;1\n', { knownAttributes: null }),
      invalidCsv(/column 'Name': column names are case-sensitive/),
    );
  });

  test('without known attributes any attribute column is accepted, but not __proto__', () => {
    assert.equal(parseBulkCsv('name,anything\nx,1\n', { knownAttributes: null }).rows.length, 1);
    assert.throws(
      () => parseBulkCsv('name,__proto__\nx,1\n', { knownAttributes: null }),
      invalidCsv(/cannot be an attribute name/),
    );
  });

  test('an empty file', () => {
    assert.throws(() => parseBulkCsv('', { knownAttributes: null }), invalidCsv(/empty/));
  });
});

test('parseBulkCsv: 10,000 rows', () => {
  const attributes = Array.from({ length: 17 }, (_, i) => `attr-${i}`);
  const lines = [['name', 'description', 'workspace', ...attributes].join(';')];
  for (let r = 0; r < 10_000; r++) {
    lines.push([`config_${r}`, `"Row ${r}; ""quoted"""`, 'ws', ...attributes.map((a) => `${a}-${r}`)].join(';'));
  }
  const started = performance.now();
  const { rows, errors } = parseBulkCsv(lines.join('\n'), { knownAttributes: attributes });
  console.log(`parseBulkCsv: 10,000 rows x 20 columns in ${(performance.now() - started).toFixed(1)} ms`);
  assert.equal(rows.length, 10_000);
  assert.equal(errors.length, 0);
  assert.deepEqual(rows[9999]?.description, 'Row 9999; "quoted"');
});
