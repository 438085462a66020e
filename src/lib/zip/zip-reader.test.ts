import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isGeosyncError } from '../../errors/errors.ts';
import { rawZip } from './zip-fixture.test-helper.ts';
import { readZip } from './zip-reader.ts';

const refused = (zip: Buffer, why: RegExp, limits?: Parameters<typeof readZip>[2]) =>
  assert.throws(
    () => readZip(zip, 'm.zip', limits),
    (e) =>
      isGeosyncError(e) && e.code === 'invalid_zip' && /^'m\.zip' is not a ZIP/.test(e.message) && why.test(e.message),
  );

test('a well-formed archive is read: stored and deflated entries, folders skipped', () => {
  const zip = rawZip([
    { name: 'm.xml', data: Buffer.from('<a/>') },
    { name: 'schemas/', data: Buffer.alloc(0), method: 0 },
    { name: 'schemas/s.xsd', data: Buffer.from('<xs/>'), method: 0 },
  ]);
  assert.deepEqual(
    readZip(zip).map((e) => [e.path, e.content.toString()]),
    [
      ['m.xml', '<a/>'],
      ['schemas/s.xsd', '<xs/>'],
    ],
  );
});

test('zip-slip paths are refused: parent folders, absolute paths, backslashes, drive letters', () => {
  refused(rawZip([{ name: '../evil.xml' }]), /'\.\.\/evil\.xml' leaves or escapes its folder/);
  refused(rawZip([{ name: 'a/../../evil.xml' }]), /escapes its folder/);
  refused(rawZip([{ name: '/etc/passwd' }]), /absolute path/);
  refused(rawZip([{ name: 'C:/x.xml' }]), /absolute path/);
  refused(rawZip([{ name: '..\\evil.xml' }]), /backslash/);
  refused(rawZip([{ name: 'a\u0000.xml' }]), /control character/);
  refused(rawZip([{ name: 'm.xml' }, { name: 'm.xml' }]), /'m\.xml' appears twice/);
});

test('decompression bombs and too many entries are refused before decompressing', () => {
  const big = Buffer.alloc(2 * 1024 * 1024);
  refused(rawZip([{ name: 'bomb.xml', data: big }]), /more than 1048576 bytes once decompressed/, {
    maxEntries: 10,
    maxTotalBytes: 1024 * 1024,
  });
  // A size field that lies (claims 10 bytes, inflates to 2 MB) stops at the claimed size.
  refused(rawZip([{ name: 'bomb.xml', data: big, size: 10 }]), /'bomb\.xml' cannot be decompressed/);
  const many = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.xml` }));
  refused(rawZip(many), /11 entries, more than 10/, { maxEntries: 10, maxTotalBytes: 1024 });
});

test('truncated, corrupt, inconsistent, encrypted or unsupported archives get a clear error', () => {
  const good = rawZip([{ name: 'm.xml', data: Buffer.from('<mapping/>'.repeat(50)) }]);
  // Cut inside the central directory: the end record no longer in place.
  refused(good.subarray(0, good.length - 30), /no end of central directory|central directory/);
  // The data of the entry cut off, the directory kept.
  const cut = Buffer.concat([good.subarray(0, 40), good.subarray(good.length - 22 - 46 - 5)]);
  refused(cut, /bad local header|truncated|central directory/);
  refused(rawZip([{ name: 'm.xml', packed: Buffer.from('not deflate data!!') }]), /cannot be decompressed/);
  refused(rawZip([{ name: 'm.xml', crc: 1234 }]), /'m\.xml' is corrupt/);
  refused(rawZip([{ name: 'm.xml', localName: 'x.xml' }]), /headers of 'm\.xml' disagree/);
  refused(rawZip([{ name: 'm.xml', flags: 0x0801 }]), /'m\.xml' is encrypted/);
  refused(rawZip([{ name: 'm.xml', method: 12 }]), /compression method 12/);
  const pointsOutside = Buffer.from(good);
  pointsOutside.writeUInt32LE(0x7fffffff, good.length - 22 - 46 - 5 + 42);
  refused(pointsOutside, /bad local header/);
});
