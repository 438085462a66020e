import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { builtinTaskTypes } from '../../../tasks/builtin.ts';
import { listParameters } from '../../../tasks/parameter.ts';
import { parseDocument, serializeDocument } from './document-format.ts';
import { TASK_MANAGER_TYPES } from './taskmanager-types.ts';
import { importTaskManagerXml } from './taskmanager-xml.ts';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../../test/fixtures/taskmanager/${name}`, import.meta.url), 'utf8');

const P = 'org.geoserver.taskmanager.data.impl.';
const ROOT = `${P}ConfigurationImpl`;
/** A configuration export around `inner`, the way XStream writes one. */
const config = (inner: string, name = '<name>c</name>'): string => `<${ROOT}>${name}${inner}</${ROOT}>`;
const task = (name: string, type: string, extra = ''): string =>
  `<entry><string>${name}</string><${P}TaskImpl><name>${name}</name><type>${type}</type>` +
  `<configuration reference="../../../.."/>${extra}</${P}TaskImpl></entry>`;

describe('importTaskManagerXml: fixtures', () => {
  test('a current configuration export: base64 attributes, XPath references, batches in order', () => {
    const { document, warnings } = importTaskManagerXml(fixture('copy-and-publish.xml'));
    assert.equal(document.name, 'roads_be');
    assert.equal(document.workspace, 'transport');
    assert.equal(document.template, false);
    assert.equal(document.description, 'Roads: copy from staging, publish locally & on the public GeoServer');
    assert.equal(document.attributes['where-clause'], "kind <> 'private' AND length > 0");
    assert.equal(Object.keys(document.attributes).length, 9);
    assert.deepEqual(
      document.tasks.map((t) => [t.name, t.type]),
      [
        ['copy', 'CopyTable'],
        ['view', 'CreateView'],
        ['publish-local', 'LocalDbPublication'],
        ['publish-remote', 'RemoteDbPublication'],
        ['metadata', 'MetadataSync'],
        ['clear-cache', 'ClearCachedLayer'],
      ],
    );
    assert.deepEqual(document.tasks[0]?.parameters, {
      'source-database': '${source-database}',
      'target-database': '${target-database}',
      'table-name': '${table-name}',
    });
    assert.deepEqual(document.batches, [
      {
        name: 'publish',
        description: 'Nightly copy and publication',
        enabled: true,
        schedule: { kind: 'cron', expression: '0 0 2 * * ?' },
        timeZone: 'UTC',
        misfire: 'run_once',
        tasks: ['copy', 'view', 'publish-local', 'publish-remote'],
      },
      {
        name: 'sync-metadata',
        description: '',
        enabled: false,
        schedule: null,
        timeZone: 'UTC',
        misfire: 'run_once',
        tasks: ['metadata', 'clear-cache'],
      },
    ]);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0]!, /parameter 'target-table-name' has no value/);
    assert.match(warnings[1]!, /Batch 'weekly-metadata' .* independent batch; not imported/);
    assert.match(warnings[2]!, /time zone/);
  });

  test('an older initializing template: removed objects skipped, unknown type kept, entities decoded', () => {
    const { document, warnings } = importTaskManagerXml(fixture('initializing-template.xml'));
    assert.equal(document.template, true);
    assert.equal(document.workspace, undefined);
    assert.equal(
      document.attributes['sql'],
      'SELECT tile_id, geom\nFROM ${index-table}\nWHERE year >= 2020 AND "zone" < 5',
    );
    assert.deepEqual(
      document.tasks.map((t) => `${t.name}:${t.type}`),
      [
        'copy-file:CopyFile',
        'publish:LocalFilePublication',
        'index-view:CreateComplexView',
        'archive:ArchiveToTape',
        'stamp:TimeStamp',
      ],
    );
    assert.equal(
      document.tasks[2]?.parameters['definition'],
      'SELECT t.* FROM ${index-table} t\nWHERE t.valid_to IS NULL AND t.area > 0 -- <none> & "all"',
    );
    assert.deepEqual(
      document.batches.map((b) => [b.name, b.schedule, b.tasks]),
      [
        ['@Initialize', null, ['copy-file', 'publish']],
        ['weekly', { kind: 'cron', expression: '0 30 4 ? * MON' }, ['index-view', 'archive', 'stamp']],
      ],
    );
    assert.deepEqual(warnings.slice(0, 4), [
      "Task 'old-copy' was removed in Task Manager; skipped",
      "Task 'archive' has type 'ArchiveToTape', which geosync does not know; kept as it is",
      "Batch 'weekly': task 'old-copy' was removed from the batch; skipped",
      "Batch 'retired' was removed in Task Manager; skipped",
    ]);
  });

  test('absolute XPath references; batch order follows the element index, not task order', () => {
    const { document, warnings } = importTaskManagerXml(fixture('absolute-references.xml'));
    assert.deepEqual(document.batches[0]?.tasks, ['workspace-security', 'layer-security', 'gwc']);
    assert.deepEqual(
      document.tasks.map((t) => t.type),
      ['LayerSecuritySync', 'WorkspaceSecuritySync', 'ConfigureCachedLayer'],
    );
    assert.equal(warnings.length, 1);
  });

  test('the data task types: names and parameter names are those of the built-in task types', () => {
    const { document, warnings } = importTaskManagerXml(fixture('parcels-data-tasks.xml'));
    assert.deepEqual(
      document.tasks.map((t) => [t.name, t.type]),
      [
        ['copy-parcels', 'CopyTable'],
        ['parcels-view', 'CreateView'],
        ['parcels-summary', 'CreateComplexView'],
        ['copy-plan', 'CopyFile'],
      ],
    );
    for (const task of document.tasks) {
      const type = builtinTaskTypes.find((t) => t.type === task.type);
      assert.ok(type, `${task.type} is a built-in task type`);
      const declared = listParameters(type.parameters).map((p) => p.name);
      for (const name of Object.keys(task.parameters)) assert.ok(declared.includes(name), `${task.type}: ${name}`);
    }
    assert.deepEqual(document.tasks[3]?.parameters, {
      sourceService: '${sourceService}',
      sourcePath: '${sourcePath}',
      targetService: '${targetService}',
      targetPath: '${targetPath}',
      'auto-versioned': 'true',
    });
    // Base64 wrapped over two lines, as XStream writes long byte arrays.
    assert.equal(
      document.attributes['definition'],
      'SELECT municipality, count(*) AS parcels, sum(area_m2) AS area_m2\nFROM ${target-table-name}\nGROUP BY municipality',
    );
    assert.equal(document.attributes['sourceService'], 's3-archive-plans-raw');
    // A task in two batches: each keeps its own element order and schedule.
    assert.deepEqual(
      document.batches.map((b) => [b.name, b.enabled, b.schedule, b.tasks]),
      [
        [
          'nightly',
          true,
          { kind: 'cron', expression: '0 30 2 * * ?' },
          ['copy-parcels', 'parcels-view', 'parcels-summary', 'copy-plan'],
        ],
        ['plan-refresh', false, { kind: 'cron', expression: '0 0 5 ? * MON-FRI' }, ['copy-plan']],
      ],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /time zone/);
  });

  test('every imported fixture is a valid document that survives JSON and YAML', () => {
    for (const name of [
      'copy-and-publish.xml',
      'initializing-template.xml',
      'absolute-references.xml',
      'parcels-data-tasks.xml',
    ]) {
      const { document } = importTaskManagerXml(fixture(name));
      assert.deepEqual(parseDocument(serializeDocument(document, 'yaml')), document, name);
      assert.deepEqual(parseDocument(serializeDocument(document, 'json')), document, name);
    }
  });
});

describe('importTaskManagerXml: mapping details', () => {
  test('class-derived type names map through the table; unknown ones (even "constructor") are kept', () => {
    const xml = config(
      `<tasks>${task('a', 'DbLocalPublication')}${task('b', 'FileRemotePublication')}${task('c', 'AppSchemaLocalPublication')}${task('d', 'constructor')}</tasks>`,
    );
    const { document, warnings } = importTaskManagerXml(xml);
    assert.deepEqual(
      document.tasks.map((t) => t.type),
      ['LocalDbPublication', 'RemoteFilePublication', 'LocalAppSchemaPublication', 'constructor'],
    );
    assert.deepEqual(warnings, ["Task 'd' has type 'constructor', which geosync does not know; kept as it is"]);
    assert.equal(TASK_MANAGER_TYPES.get('DbRemotePublication'), 'RemoteDbPublication');
  });

  test('XStream id references', () => {
    const xml =
      `<${ROOT} id="1"><name>ids</name><tasks><entry><string>t</string><${P}TaskImpl id="2"><name>t</name><type>CopyTable</type>` +
      `<configuration reference="1"/><batchElements><${P}BatchElementImpl id="3"><batch id="4"><elements><${P}BatchElementImpl reference="3"/></elements>` +
      `<name>b</name><configuration reference="1"/><frequency> </frequency></batch><task reference="2"/><index>0</index></${P}BatchElementImpl></batchElements>` +
      `</${P}TaskImpl></entry></tasks><batches><entry><string>b</string><${P}BatchImpl reference="4"/></entry></batches></${ROOT}>`;
    const { document, warnings } = importTaskManagerXml(xml);
    assert.deepEqual(
      document.batches.map((b) => [b.name, b.schedule, b.tasks]),
      [['b', null, ['t']]],
    );
    assert.deepEqual(warnings, []);
  });

  test('attribute values: plain text is kept when not every value is base64 text', () => {
    const attr = (n: string, v: string): string =>
      `<entry><string>${n}</string><${P}AttributeImpl><name>${n}</name><value>${v}</value></${P}AttributeImpl></entry>`;
    const mixed = importTaskManagerXml(
      config(`<attributes>${attr('a', 'Z2lz')}${attr('b', 'data')}${attr('c', '')}</attributes>`),
    );
    assert.deepEqual(mixed.document.attributes, { a: 'Z2lz', b: 'data', c: '' });
    const encoded = importTaskManagerXml(
      config(`<attributes>${attr('a', 'Z2lz')}${attr('b', 'cHVi\nbGlj')}${attr('c', '')}</attributes>`),
    );
    assert.deepEqual(encoded.document.attributes, { a: 'gis', b: 'public', c: '' });
  });

  test('a batch workspace is dropped with a warning; disabled and description kept', () => {
    const xml = config(
      `<tasks>${task('t', 'CopyTable')}</tasks><batches><entry><string>b</string><${P}BatchImpl><elements/>` +
        `<workspace>ws</workspace><name>b</name><description>d</description><enabled>false</enabled></${P}BatchImpl></entry></batches>`,
    );
    const { document, warnings } = importTaskManagerXml(xml);
    assert.deepEqual(document.batches[0], {
      name: 'b',
      description: 'd',
      enabled: false,
      schedule: null,
      timeZone: 'UTC',
      misfire: 'run_once',
      tasks: [],
    });
    assert.match(warnings[0]!, /workspace 'ws' is dropped/);
  });
});
