import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { gpkgBlob, pointWkb } from '../../../test/fixtures/geopackage/gpkg-blob.ts';
import { isGeosyncError } from '../../errors/errors.ts';
import { parseGpkgGeometry } from './gpkg-geometry.ts';

const hex = (text: string) => Buffer.from(text, 'hex');

describe('parseGpkgGeometry', () => {
  test('a point written by GDAL: little-endian header, no envelope, ISO WKB PointZ', () => {
    const parsed = parseGpkgGeometry(hex('47500001E610000001E9030000000000000000F83F00000000000004400000000000000000'));
    assert.equal(parsed.srsId, 4326);
    assert.deepEqual(parsed.envelope, []);
    assert.equal(parsed.empty, false);
    assert.deepEqual(parsed.wkb, hex('01E9030000000000000000F83F00000000000004400000000000000000'));
  });

  test('a 3D line written by GDAL: xyz envelope (code 2)', () => {
    const wkb =
      '01EA03000002000000000000000000F03F0000000000000040000000000000084000000000000010400000000000001440' +
      '0000000000001840';
    const envelope =
      '000000000000F03F0000000000001040000000000000004000000000000014400000000000000840' + '0000000000001840';
    const parsed = parseGpkgGeometry(hex(`47500005E6100000${envelope}${wkb}`));
    assert.deepEqual(parsed.envelope, [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(parsed.wkb, hex(wkb));
  });

  test('empty geometries written by GDAL carry the empty flag', () => {
    const point = parseGpkgGeometry(hex('47500011110F00000101000000000000000000F87F000000000000F87F'));
    assert.deepEqual([point.srsId, point.empty], [3857, true]);
    assert.deepEqual(point.wkb, hex('0101000000000000000000F87F000000000000F87F'));
    const polygon = parseGpkgGeometry(hex('47500011110F0000010300000000000000'));
    assert.deepEqual([polygon.empty, polygon.wkb], [true, hex('010300000000000000')]);
  });

  const envelopes: Array<[0 | 1 | 2 | 3 | 4, number[]]> = [
    [0, []],
    [1, [1, 2, 3, 4]],
    [2, [1, 2, 3, 4, 5, 6]],
    [3, [1, 2, 3, 4, -7, 7]],
    [4, [1, 2, 3, 4, 5, 6, 7, 8]],
  ];
  for (const littleEndian of [true, false]) {
    for (const [envelopeCode, envelope] of envelopes) {
      test(`envelope code ${envelopeCode}, ${littleEndian ? 'little' : 'big'}-endian header`, () => {
        const wkb = pointWkb(1.25, -2.5);
        const blob = gpkgBlob(wkb, { srsId: 2154, littleEndian, envelopeCode, envelope });
        const parsed = parseGpkgGeometry(blob);
        assert.deepEqual(parsed, { srsId: 2154, wkb, empty: false, envelope });
      });
    }
  }

  test('negative srs_id (undefined cartesian) reads in both byte orders', () => {
    for (const littleEndian of [true, false]) {
      assert.equal(parseGpkgGeometry(gpkgBlob(pointWkb(0, 0), { srsId: -1, littleEndian })).srsId, -1);
    }
  });

  test('a blob that is not GeoPackage geometry is invalid_geometry', () => {
    const good = gpkgBlob(pointWkb(0, 0), { srsId: 4326, envelopeCode: 1, envelope: [0, 0, 0, 0] });
    const broken = [
      pointWkb(0, 0), // plain WKB, no header
      Buffer.from('GP'),
      Buffer.concat([Buffer.from([0x47, 0x50, 1]), good.subarray(3)]), // version 2
      Buffer.concat([good.subarray(0, 3), Buffer.from([0b1011]), good.subarray(4)]), // envelope code 5
      good.subarray(0, 8 + 32 + 3), // cut inside the WKB
    ];
    for (const blob of broken) {
      assert.throws(
        () => parseGpkgGeometry(blob),
        (error) => isGeosyncError(error) && error.code === 'invalid_geometry',
      );
    }
  });

  test('works on a Uint8Array view into a bigger buffer (as sql.js returns)', () => {
    const blob = gpkgBlob(pointWkb(3, 4), { srsId: 4326 });
    const padded = new Uint8Array(blob.length + 10);
    padded.set(blob, 5);
    const parsed = parseGpkgGeometry(padded.subarray(5, 5 + blob.length));
    assert.deepEqual(parsed.wkb, pointWkb(3, 4));
  });
});
