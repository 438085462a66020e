import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { ConfigurationDocument } from '../../../contracts/configuration-document.dto.ts';
import { UserError } from '../../../errors/errors.ts';
import { MAX_DOCUMENT_BYTES, parseDocument } from './document-format.ts';

const full: ConfigurationDocument = {
  format: 'geosync.configuration',
  version: 1,
  name: 'roads',
  description: '',
  template: false,
  attributes: { 'table-name': 'public.roads' },
  tasks: [
    { name: 'copy', type: 'CopyTable', parameters: { 'table-name': '${table-name}' } },
    { name: 'publish', type: 'LocalDbPublication', parameters: {} },
  ],
  batches: [
    {
      name: 'nightly',
      description: '',
      enabled: true,
      schedule: null,
      timeZone: 'UTC',
      misfire: 'run_once',
      tasks: ['copy', 'publish'],
    },
    {
      name: 'other',
      description: '',
      enabled: true,
      schedule: null,
      timeZone: 'UTC',
      misfire: 'run_once',
      tasks: ['copy'],
    },
  ],
};

const code = (expected: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  assert.equal(error.code, expected);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

describe('parseDocument refuses', () => {
  test('every schema problem at once, each with its path', () => {
    const text = JSON.stringify({
      format: 'geosync.configuration',
      version: 1,
      name: '',
      tasks: [
        { name: 'a', type: 'CopyTable' },
        { name: 'b', type: 'X' },
        { name: 'c', type: 7 },
      ],
      batches: [{ name: 'b', schedule: { kind: 'daily', time: '25:00' }, extra: true }],
    });
    assert.throws(
      () => parseDocument(text),
      (error: unknown) => {
        code('invalid_document', /tasks\.2\.type/)(error);
        const fields = (error as UserError).details.map((d) => d.field).sort();
        assert.deepEqual(fields, ['batches.0', 'batches.0.schedule.time', 'name', 'tasks.2.type']);
        return true;
      },
    );
  });

  test('duplicate names and batches naming unknown tasks', () => {
    const doc = {
      ...full,
      tasks: [...full.tasks, full.tasks[0]!],
      batches: [full.batches[0]!, { ...full.batches[1]!, name: 'nightly', tasks: ['nope'] }],
    };
    assert.throws(
      () => parseDocument(JSON.stringify(doc)),
      (error: unknown) => {
        code('invalid_document')(error);
        assert.deepEqual(
          (error as UserError).details.map((d) => d.field),
          ['tasks.2.name', 'batches.1.name', 'batches.1.tasks.0'],
        );
        return true;
      },
    );
  });

  test('a newer version, saying which versions are supported', () => {
    const text = JSON.stringify({ ...full, version: 2 });
    assert.throws(() => parseDocument(text), code('unsupported_version', /version 2.*reads versions 1$/));
  });

  test('version 0 or a wrong format is invalid, not unsupported', () => {
    assert.throws(() => parseDocument(JSON.stringify({ ...full, version: 0 })), code('invalid_document', /version/));
    assert.throws(
      () => parseDocument(JSON.stringify({ ...full, format: 'other', version: 9 })),
      code('invalid_document', /format/),
    );
  });

  test('syntax errors in JSON and YAML', () => {
    assert.throws(() => parseDocument('{"format": '), code('invalid_document', /Not valid JSON/));
    assert.throws(() => parseDocument('name: [unclosed'), code('invalid_document', /Not valid YAML/));
    assert.throws(() => parseDocument('a: 1\na: 2\n'), code('invalid_document', /Not valid YAML/));
    assert.throws(() => parseDocument('a: 1\n---\nb: 2\n'), code('invalid_document', /Not valid YAML/));
    assert.throws(() => parseDocument('name: x', 'json'), code('invalid_document', /Not valid JSON/));
  });

  test('something that is not an object', () => {
    assert.throws(() => parseDocument('[1, 2]'), code('invalid_document', /must be an object/));
    assert.throws(() => parseDocument(''), code('invalid_document', /must be an object/));
  });

  test('YAML alias bombs', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    }
    assert.throws(() => parseDocument(levels.join('\n')), code('invalid_document', /Not valid YAML/));
  });

  test('custom YAML tags do not construct anything', () => {
    assert.throws(() => parseDocument('format: !!js/function "x"\nversion: 1\nname: x\n'), code('invalid_document'));
  });

  test('more than 5 MB', () => {
    const big = JSON.stringify({ ...full, description: 'x'.repeat(MAX_DOCUMENT_BYTES) });
    assert.throws(
      () => parseDocument(big),
      (error: unknown) => code('document_too_large')(error) && (error as UserError).status === 413,
    );
    // Multi-byte characters count in bytes, not UTF-16 units.
    const wide = `{"name": "${'é'.repeat(MAX_DOCUMENT_BYTES / 2 + 1)}"}`;
    assert.throws(() => parseDocument(wide), code('document_too_large'));
  });
});
