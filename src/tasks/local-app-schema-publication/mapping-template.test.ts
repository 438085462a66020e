import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isGeosyncError } from '../../errors/errors.ts';
import { fillMapping, tablePlaceholders } from './mapping-template.ts';
import { readZip } from '../../lib/zip/zip-reader.ts';

const parameters = { host: 'db.internal', port: '5432', password: 'p&<ss' };

test('every occurrence of every placeholder is replaced (the Task Manager replaced only the first #{...})', () => {
  const template = '${host}:${port} ${host} #{roads} #{ roads } #{gis.rivers} #{roads}';
  const [file] = fillMapping([{ path: 'm.xml', content: template }], parameters, {
    roads: '_temp_1a2b3c4d_roads',
    'gis.rivers': 'rivers',
  });
  assert.equal(
    file?.content,
    'db.internal:5432 db.internal _temp_1a2b3c4d_roads _temp_1a2b3c4d_roads rivers _temp_1a2b3c4d_roads',
  );
  assert.deepEqual(tablePlaceholders([{ path: 'm.xml', content: template }]), ['roads', 'gis.rivers']);
});

test('values are XML-escaped, so a password with & or < keeps the mapping well-formed', () => {
  const [file] = fillMapping([{ path: 'm.xml', content: '<value>${password}</value>' }], parameters, {});
  assert.equal(file?.content, '<value>p&amp;&lt;ss</value>');
});

test('unknown placeholders fail, each named once, with what is available, never a value', () => {
  assert.throws(
    () => fillMapping([{ path: 'a.xml', content: '${nope} ${host} #{x} ${nope}' }], parameters, {}),
    (e) =>
      isGeosyncError(e) &&
      e.code === 'unknown_placeholder' &&
      e.message.startsWith(
        'The mapping uses placeholders with no value: ${nope}, #{x}. Available: ${host}, ${port}, ${password}',
      ) &&
      !e.message.includes('p&<ss') &&
      e.details.length === 2,
  );
  // Inherited object keys are no parameters.
  assert.throws(
    () => fillMapping([{ path: 'a.xml', content: '${constructor}' }], parameters, {}),
    /no value: \$\{constructor\}/,
  );
});

test('a broken ZIP is refused clearly', () => {
  assert.throws(
    () => readZip(Buffer.from('not a zip'), 'm.zip'),
    (e) => isGeosyncError(e) && e.code === 'invalid_zip' && /'m\.zip' is not a ZIP archive/.test(e.message),
  );
});

test('a value is never expanded again: a password holding #{...} or ${...} is inserted as it is', () => {
  const secret = 'a#{roads}b${host}';
  const [file] = fillMapping(
    [{ path: 'm.xml', content: '<p>${password}</p> #{roads}' }],
    { ...parameters, password: secret },
    {
      roads: 'roads_t',
    },
  );
  assert.equal(file?.content, '<p>a#{roads}b${host}</p> roads_t');
  // An unknown table named inside the password must not surface (with the password) in an error.
  assert.doesNotThrow(() => fillMapping([{ path: 'm.xml', content: '${password}' }], { password: 'x#{nope}y' }, {}));
});
