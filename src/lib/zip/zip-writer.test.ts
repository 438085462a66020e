import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';

import { isGeosyncError, UserError } from '../../errors/errors.ts';
import { readZip } from './zip-reader.ts';
import { zipFiles } from './zip-writer.ts';

test('the archive holds each file under its path, deflated, and the reader reads it back byte for byte', () => {
  const binary = Buffer.from([0, 1, 2, 255, 254, 0x50, 0x4b, 0x05, 0x06]);
  const zip = zipFiles([
    { path: 'schemas/m.xsd', content: '<xs/>' },
    { path: 'data/é.bin', content: binary },
    { path: 'empty.txt', content: '' },
  ]);
  const nameLength = zip.readUInt16LE(26);
  assert.equal(zip.toString('utf8', 30, 30 + nameLength), 'schemas/m.xsd');
  const packed = zip.subarray(30 + nameLength, 30 + nameLength + zip.readUInt32LE(18));
  assert.equal(inflateRawSync(packed).toString(), '<xs/>');
  assert.deepEqual(
    readZip(zip).map((e) => [e.path, e.content.toString('hex')]),
    [
      ['schemas/m.xsd', Buffer.from('<xs/>').toString('hex')],
      ['data/é.bin', binary.toString('hex')],
      ['empty.txt', ''],
    ],
  );
});

test('zip-slip paths are refused with the generic error, or with the caller-worded one', () => {
  for (const bad of ['../x', 'a/../../x', '/etc/x', 'C:/x', '..\\x', 'a//b', '', 'a\u0000b', 'x'.repeat(0x10000)]) {
    assert.throws(
      () => zipFiles([{ path: bad, content: 'x' }]),
      (e) => isGeosyncError(e) && e.code === 'unsafe_archive_path' && e.message.includes('in a ZIP archive'),
      bad.slice(0, 20),
    );
  }
  const custom = (p: string) => new UserError('project_bad_entry', `no ${p}`);
  assert.throws(
    () => zipFiles([{ path: '../x', content: 'x' }], { unsafePath: custom }),
    (e) => isGeosyncError(e) && e.code === 'project_bad_entry' && e.message === 'no ../x',
  );
});

test('more entries than a ZIP without ZIP64 holds are refused', () => {
  const files = Array.from({ length: 0x10000 }, (_, i) => ({ path: `f${i}`, content: '' }));
  assert.throws(
    () => zipFiles(files),
    (e) => isGeosyncError(e) && e.code === 'archive_too_large',
  );
});
