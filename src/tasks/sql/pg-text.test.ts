import assert from 'node:assert/strict';
import { test } from 'node:test';

import { type ColumnDescription, GeometryValue } from '../../connectors/database.ts';
import { UserError } from '../../errors/errors.ts';
import { copyTextRow, ewkbHex, pgText } from './pg-text.ts';

/** POINT(1 2) as little-endian ISO WKB. */
const pointLE = Buffer.from('0101000000000000000000f03f0000000000000040', 'hex');
/** The same point, big-endian. */
const pointBE = Buffer.from('00000000013ff00000000000004000000000000000', 'hex');

test('WKB gets its SRID inside, in the byte order it came in', () => {
  assert.equal(ewkbHex(pointLE, 4326), '0101000020e6100000000000000000f03f0000000000000040');
  assert.equal(ewkbHex(pointBE, 4326), '0020000001000010e63ff00000000000004000000000000000');
});

test('EWKB that already carries an SRID is kept as it is', () => {
  const ewkb = Buffer.from('0101000020e6100000000000000000f03f0000000000000040', 'hex');
  assert.equal(ewkbHex(ewkb, 2154), ewkb.toString('hex'));
});

test('bytes that are not WKB are refused with a clear error', () => {
  assert.throws(
    () => ewkbHex(Buffer.from([1, 2]), 4326),
    (e) => e instanceof UserError && e.code === 'invalid_geometry',
  );
  assert.throws(() => ewkbHex(Buffer.from('0701000000', 'hex'), 4326), /not WKB/);
});

const column = (name: string, extra: Partial<ColumnDescription> = {}): ColumnDescription => ({
  name,
  pgType: 'text',
  nullable: true,
  ...extra,
});

test('values become PostgreSQL text input', () => {
  assert.equal(pgText(null), null);
  assert.equal(pgText(true), 't');
  assert.equal(pgText(12n), '12');
  assert.equal(pgText(new Date('2024-03-11T02:30:00Z')), '2024-03-11T02:30:00.000Z');
  assert.equal(pgText(Buffer.from([0, 255])), '\\x00ff');
  assert.equal(pgText({ a: 1 }), '{"a":1}');
  assert.equal(pgText(new GeometryValue(pointLE, 4326)), '0101000020e6100000000000000000f03f0000000000000040');
});

test('raw geometry columns are converted by their encoding', () => {
  const raw = (encoding: 'WKT' | 'WKB' | 'WKB_HEX') =>
    column('geom', { rawGeometry: { encoding, type: 'Point', srid: 31370 } });
  assert.equal(pgText('POINT(1 2)', raw('WKT')), 'SRID=31370;POINT(1 2)');
  assert.equal(pgText(pointLE, raw('WKB')), ewkbHex(pointLE, 31370));
  assert.equal(pgText(pointLE.toString('hex').toUpperCase(), raw('WKB_HEX')), ewkbHex(pointLE, 31370));
  assert.throws(() => pgText('not hex!', raw('WKB_HEX')), /not hexadecimal/);
  assert.throws(() => pgText('POINT(1 2)', raw('WKB')), /holds no bytes/);
});

test('a COPY text row escapes tabs, newlines and backslashes, and writes \\N for null', () => {
  const columns = [column('a'), column('b'), column('c')];
  assert.equal(copyTextRow(['x\ty\nz\\', null, 'plain'], columns), 'x\\ty\\nz\\\\\t\\N\tplain\n');
  assert.equal(copyTextRow([Buffer.from([1])], [column('bin')]), '\\\\x01\n', 'bytea hex survives COPY unescaping');
  assert.throws(() => copyTextRow(['a\0b'], [column('t')]), /NUL/);
});
