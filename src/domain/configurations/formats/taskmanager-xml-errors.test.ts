import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { UserError } from '../../../errors/errors.ts';
import { importTaskManagerXml, MAX_TASKMANAGER_XML_BYTES } from './taskmanager-xml.ts';

const P = 'org.geoserver.taskmanager.data.impl.';
const ROOT = `${P}ConfigurationImpl`;
const config = (inner: string, name = '<name>c</name>'): string => `<${ROOT}>${name}${inner}</${ROOT}>`;
const task = (name: string, type: string): string =>
  `<entry><string>${name}</string><${P}TaskImpl><name>${name}</name><type>${type}</type>` +
  `<configuration reference="../../../.."/></${P}TaskImpl></entry>`;

const rejects = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  assert.equal(error.code, 'invalid_taskmanager_xml');
  assert.match(error.message, pattern);
  return true;
};

describe('importTaskManagerXml: refused', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'not well-formed',
      `<${ROOT}><name>x</name>\n<tasks></${ROOT}>`,
      /not well-formed: line 2, column \d+: closing tag/,
    ],
    ['not XML at all', '{"name": "x"}', /not well-formed: line 1/],
    [
      'wrong root',
      `<${P}BatchImpl><name>b</name></${P}BatchImpl>`,
      /root element is <org\.geoserver\.taskmanager\.data\.impl\.BatchImpl>/,
    ],
    ['no configuration name', config('', '<name> </name>'), /has no <name>/],
    [
      'a task without a name',
      config(`<tasks><entry><string></string><${P}TaskImpl><type>CopyTable</type></${P}TaskImpl></entry></tasks>`),
      /a task has no <name> \(line 1\)/,
    ],
    [
      'a task without a type',
      config(`<tasks><entry><string>t</string><${P}TaskImpl><name>t</name></${P}TaskImpl></entry></tasks>`),
      /task 't' has no <type>/,
    ],
    [
      'a batch without a name',
      config(`<batches><entry><string> </string><${P}BatchImpl><elements/></${P}BatchImpl></entry></batches>`),
      /a batch has no <name>/,
    ],
    [
      'a malformed map entry',
      config(`<tasks>\n<entry><string>t</string></entry></tasks>`),
      /<entry> of <tasks> needs a key and a value \(line 2\)/,
    ],
    [
      'a broken reference',
      config(`<tasks><entry><string>t</string><${P}TaskImpl reference="../../entry[9]/x"/></entry></tasks>`),
      /reference '\.\.\/\.\.\/entry\[9\]\/x' points at nothing/,
    ],
    [
      'a reference to a reference',
      config(`<tasks><entry><string>t</string><x reference="../y"/><y reference="../x"/></entry></tasks>`),
      /points at another reference/,
    ],
    [
      'DOCTYPE with an external entity',
      `<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>${config('<description>&x;</description>')}`,
      /DOCTYPE declarations are not allowed/,
    ],
    [
      'billion laughs',
      `<!DOCTYPE c [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]>${config('<description>&b;</description>')}`,
      /DOCTYPE/,
    ],
    ['an undeclared entity', config('<description>&x;</description>'), /unknown entity '&x;'/],
    [
      'duplicate task names',
      config(`<tasks>${task('t', 'CopyTable')}${task('t', 'CreateView')}</tasks>`),
      /tasks\.1\.name: Task name 't' is already used/,
    ],
    [
      'a name geosync cannot hold',
      config('', `<name>${'n'.repeat(201)}</name>`),
      /does not fit a geosync configuration: name: Too big/,
    ],
  ];
  for (const [what, xml, pattern] of cases) {
    test(what, () => assert.throws(() => importTaskManagerXml(xml), rejects(pattern)));
  }

  test('more than 10 MB', () => {
    const xml = config(`<description>${'x'.repeat(MAX_TASKMANAGER_XML_BYTES)}</description>`);
    assert.throws(
      () => importTaskManagerXml(xml),
      (error: unknown) => rejects(/larger than 10 MB/)(error) && (error as UserError).status === 413,
    );
  });
});
