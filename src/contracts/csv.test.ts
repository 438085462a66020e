import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CsvSyntaxError, detectDelimiter, parseCsv } from './csv.ts';

const fields = (text: string): string[][] => parseCsv(text).records.map((r) => r.fields);

describe('parseCsv', () => {
  test('plain rows, header kept apart, lines numbered', () => {
    const table = parseCsv('a,b\n1,2\n3,4\n');
    assert.equal(table.delimiter, ',');
    assert.deepEqual(table.header, { line: 1, fields: ['a', 'b'] });
    assert.deepEqual(table.records, [
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
    assert.deepEqual(table.problems, []);
  });

  test('quotes, escaped quotes, embedded delimiters and newlines', () => {
    const table = parseCsv('a,b\n"x, y","say ""hi"""\n"multi\nline\r\ntext",""\nlast,"q"\n');
    assert.deepEqual(
      table.records.map((r) => [r.line, ...r.fields]),
      [
        [2, 'x, y', 'say "hi"'],
        [3, 'multi\nline\r\ntext', ''],
        [6, 'last', 'q'],
      ],
    );
  });

  test('CRLF, lone CR, BOM, no trailing newline, empty and blank lines skipped', () => {
    assert.deepEqual(fields('\uFEFFa;b\r\n\r\n1;2\r\n   \r\n3;4'), [
      ['1', '2'],
      ['3', '4'],
    ]);
    assert.deepEqual(parseCsv('\uFEFFa;b\r\n\r\n1;2').header.fields, ['a', 'b'], 'BOM is not part of the first name');
    assert.deepEqual(fields('a,b\r1,2\r'), [['1', '2']]);
  });

  test('a quoted empty field on its own line is a record, not a blank line', () => {
    assert.deepEqual(fields('a\n""\n\n'), [['']]);
  });

  test('empty fields and a trailing delimiter', () => {
    assert.deepEqual(fields('a,b,c\n,,\n1,,\n'), [
      ['', '', ''],
      ['1', '', ''],
    ]);
  });

  test('delimiter detection from the header line, quotes ignored', () => {
    assert.equal(detectDelimiter('name;description;table'), ';');
    assert.equal(detectDelimiter('name,description'), ',');
    assert.equal(detectDelimiter('"a;b",c'), ',');
    assert.equal(detectDelimiter('name'), ',');
    assert.equal(parseCsv('\n\nname;x\n').delimiter, ';', 'leading blank lines are skipped');
    assert.deepEqual(parseCsv('a,b;c\n1,2;3', { delimiter: ';' }).header.fields, ['a,b', 'c']);
  });

  test('rows with too many or too few fields are reported with their line and left out', () => {
    const table = parseCsv('a,b\n1\n1,2\n1,2,3\n');
    assert.deepEqual(table.records, [{ line: 3, fields: ['1', '2'] }]);
    assert.deepEqual(table.problems, [
      { line: 2, message: 'too few fields: 1 where the header has 2' },
      { line: 4, message: 'too many fields: 3 where the header has 2' },
    ]);
  });

  test('stray quotes are reported and the parser resumes on the next line', () => {
    const table = parseCsv('a,b\nab"c,d\n"x"y,z\nok,fine\n');
    assert.deepEqual(table.records, [{ line: 4, fields: ['ok', 'fine'] }]);
    assert.equal(table.problems.length, 2);
    assert.match(table.problems[0]!.message, /field 1: stray quote/);
    assert.equal(table.problems[1]!.line, 3);
    assert.match(table.problems[1]!.message, /text after the closing quote/);
  });

  test('an unterminated quote is fatal and names the line it opened on', () => {
    assert.throws(
      () => parseCsv('a,b\n1,2\n3,"open\nstill open\n'),
      (e: unknown) => e instanceof CsvSyntaxError && e.line === 3 && /never closed/.test(e.message),
    );
  });

  test('a header line with a stray quote is fatal, not skipped', () => {
    assert.throws(
      () => parseCsv('na"me,x\n1,2\n'),
      (e: unknown) =>
        e instanceof CsvSyntaxError &&
        e.line === 1 &&
        /header line cannot be read: field 1: stray quote/.test(e.message),
    );
  });

  test('an empty file has no header', () => {
    assert.throws(
      () => parseCsv('\uFEFF\n\n'),
      (e: unknown) => e instanceof CsvSyntaxError && /empty/.test(e.message),
    );
  });

  test('10,000 rows x 20 columns parse in well under a second', () => {
    const header = Array.from({ length: 20 }, (_, i) => `col${i}`).join(';');
    const row = (r: number): string =>
      Array.from({ length: 20 }, (_, c) => (c % 5 === 0 ? `"v ""${r}""; ${c}"` : `value_${r}_${c}`)).join(';');
    const text = [header, ...Array.from({ length: 10_000 }, (_, r) => row(r))].join('\r\n') + '\r\n';
    const started = performance.now();
    const table = parseCsv(text);
    const ms = performance.now() - started;
    console.log(`parseCsv: 10,000 x 20 (${(text.length / 1e6).toFixed(1)} MB) in ${ms.toFixed(1)} ms`);
    assert.equal(table.records.length, 10_000);
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});
