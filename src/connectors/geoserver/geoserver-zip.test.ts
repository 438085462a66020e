import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';

import { isGeosyncError } from '../../errors/errors.ts';
import { zipFiles } from './geoserver-zip.ts';

test('the archive holds each file under its path, deflated', () => {
  const zip = zipFiles([{ path: 'schemas/m.xsd', content: '<xs/>' }]);
  const nameLength = zip.readUInt16LE(26);
  assert.equal(zip.toString('utf8', 30, 30 + nameLength), 'schemas/m.xsd');
  const packed = zip.subarray(30 + nameLength, 30 + nameLength + zip.readUInt32LE(18));
  assert.equal(inflateRawSync(packed).toString(), '<xs/>');
});

test('paths GeoServer would unpack outside the archive folder are refused (zip slip)', () => {
  for (const bad of [
    '../x.xml',
    'a/../../x.xml',
    '/etc/x.xml',
    'C:/x.xml',
    '..\\x.xml',
    'a//b.xml',
    '',
    'a\u0000.xml',
  ]) {
    assert.throws(
      () => zipFiles([{ path: bad, content: 'x' }]),
      (e) => isGeosyncError(e) && e.code === 'unsafe_archive_path' && e.message.includes('cannot be a path'),
      bad,
    );
  }
});
