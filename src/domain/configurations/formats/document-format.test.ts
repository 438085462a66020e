import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import YAML from 'yaml';

import type { ConfigurationDocument } from '../../../contracts/configuration-document.dto.ts';
import { detectDocumentFormat, parseDocument, serializeDocument } from './document-format.ts';

const full: ConfigurationDocument = {
  format: 'geosync.configuration',
  version: 1,
  name: 'roads',
  description: 'Copies and publishes roads',
  workspace: 'transport',
  template: false,
  // Strings a YAML writer must quote or block-quote to read them back as the same strings.
  attributes: {
    'table-name': 'public.roads',
    yes: 'yes',
    octal: '0755',
    'null-ish': 'null',
    tilde: '~',
    number: '12',
    spaces: '  padded  ',
    sql: 'SELECT *\nFROM roads\nWHERE kind = \'a: b\' -- "quoted"\n',
    unicode: 'Bruxelles-Brüssel 日本 😀',
    hash: '# not a comment',
    empty: '',
    braces: '${not-an-attribute',
  },
  tasks: [
    { name: 'copy', type: 'CopyTable', parameters: { 'table-name': '${table-name}', 'target-database': 'gis' } },
    { name: 'publish', type: 'LocalDbPublication', parameters: {} },
  ],
  batches: [
    {
      name: 'nightly',
      description: '',
      enabled: true,
      schedule: { kind: 'weekly', day: 'MON', time: '02:30' },
      timeZone: 'Europe/Brussels',
      misfire: 'skip',
      tasks: ['copy', 'publish'],
    },
    {
      name: '@Initialize',
      description: 'first run',
      enabled: false,
      schedule: null,
      timeZone: 'UTC',
      misfire: 'run_once',
      tasks: ['copy'],
    },
    {
      name: 'cron',
      description: '',
      enabled: true,
      schedule: { kind: 'cron', expression: '0 0 3 ? * MON-FRI' },
      timeZone: 'UTC',
      misfire: 'run_once',
      tasks: [],
    },
    {
      name: 'monthly',
      description: '',
      enabled: true,
      schedule: { kind: 'monthly', day: 'L', time: '23:59' },
      timeZone: 'UTC',
      misfire: 'run_once',
      tasks: [],
    },
  ],
};

describe('serializeDocument / parseDocument round trip', () => {
  for (const format of ['json', 'yaml'] as const) {
    test(`${format}: every value survives, with and without the hint`, () => {
      const text = serializeDocument(full, format);
      assert.deepEqual(parseDocument(text, format), full);
      assert.deepEqual(parseDocument(text), full);
      assert.equal(detectDocumentFormat(text), format);
      assert.ok(text.endsWith('\n'));
    });

    test(`${format}: stable output whatever the key order of the input`, () => {
      const shuffled = JSON.parse(JSON.stringify(full), (_key, value: unknown) =>
        value && typeof value === 'object' && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).reverse())
          : value,
      ) as ConfigurationDocument;
      assert.equal(serializeDocument(shuffled, format), serializeDocument(full, format));
    });
  }

  test('json is 2-space indented in schema order, records sorted by name', () => {
    const text = serializeDocument(full, 'json');
    assert.deepEqual(Object.keys(JSON.parse(text) as object), [
      'format',
      'version',
      'name',
      'description',
      'workspace',
      'template',
      'attributes',
      'tasks',
      'batches',
    ]);
    assert.match(text, /^\{\n {2}"format": "geosync.configuration",\n {2}"version": 1,/);
    assert.ok(text.indexOf('"braces"') < text.indexOf('"yes"'));
  });

  test('yaml is readable: block text, no anchors, 1.1-ambiguous strings quoted', () => {
    const doc = { ...full, tasks: full.tasks.map((t) => ({ ...t, parameters: full.attributes })) };
    const text = serializeDocument(doc, 'yaml');
    assert.doesNotMatch(text, /[&*]a\d/, 'no anchors or aliases');
    assert.match(text, /sql: \|/);
    assert.match(text, /yes: "yes"|"yes": "yes"/);
    assert.deepEqual((YAML.parse(text, { version: '1.1' }) as ConfigurationDocument).attributes, full.attributes);
  });

  test('a minimal document gets the schema defaults and no workspace key', () => {
    const doc = parseDocument('format: geosync.configuration\nversion: 1\nname: x\n');
    assert.deepEqual(doc, {
      format: 'geosync.configuration',
      version: 1,
      name: 'x',
      description: '',
      template: false,
      attributes: {},
      tasks: [],
      batches: [],
    });
    assert.doesNotMatch(serializeDocument(doc, 'yaml'), /workspace/);
  });

  test('a UTF-8 BOM is ignored', () => {
    assert.equal(parseDocument(`\uFEFF${serializeDocument(full, 'json')}`).name, 'roads');
  });
});
