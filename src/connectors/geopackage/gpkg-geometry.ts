import { UserError } from '../../errors/errors.ts';

/**
 * The GeoPackage geometry encoding (GeoPackage 1.4, §2.1.3 "GeoPackageBinary"): a header, then
 * the geometry as standard WKB.
 *
 *   bytes 0-1  'GP' magic
 *   byte  2    version (0 = version 1)
 *   byte  3    flags: bit 0 byte order of the header numbers (1 little endian, 0 big endian),
 *              bits 1-3 envelope contents (0 none, 1 xy, 2 xyz, 3 xym, 4 xyzm), bit 4 empty
 *              geometry, bit 5 extended (non-standard) geometry type, bits 6-7 reserved
 *   bytes 4-7  srs_id, int32 in the header's byte order
 *   then       the envelope (doubles, same byte order), then the WKB (its own byte order)
 */
export interface GpkgGeometry {
  srsId: number;
  /** The WKB that follows the header, sharing the blob's memory. */
  wkb: Buffer;
  /** The header's empty flag: the WKB is then an empty geometry (a point with NaN coordinates...). */
  empty: boolean;
  /** minx, maxx, miny, maxy, then minz, maxz and/or minm, maxm when present. */
  envelope: number[];
}

/** Envelope doubles for each envelope contents code; 5-7 are invalid. */
const envelopeDoubles = [0, 4, 6, 6, 8];

function invalidGeometry(why: string): UserError {
  return new UserError('invalid_geometry', `Not a GeoPackage geometry: ${why}`);
}

export function parseGpkgGeometry(blob: Uint8Array): GpkgGeometry {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < 8 || bytes[0] !== 0x47 || bytes[1] !== 0x50) throw invalidGeometry("no 'GP' header");
  if (bytes[2] !== 0) throw invalidGeometry(`unknown version ${bytes[2]}`);
  const flags = bytes[3]!;
  const littleEndian = (flags & 0b1) === 1;
  const envelopeCode = (flags >> 1) & 0b111;
  const doubles = envelopeDoubles[envelopeCode];
  if (doubles === undefined) throw invalidGeometry(`invalid envelope code ${envelopeCode}`);
  const wkbStart = 8 + doubles * 8;
  // 5 bytes: the smallest WKB (byte order and type) that can follow.
  if (bytes.length < wkbStart + 5) throw invalidGeometry('cut short');
  const srsId = littleEndian ? bytes.readInt32LE(4) : bytes.readInt32BE(4);
  const envelope: number[] = [];
  for (let at = 8; at < wkbStart; at += 8) {
    envelope.push(littleEndian ? bytes.readDoubleLE(at) : bytes.readDoubleBE(at));
  }
  return { srsId, wkb: bytes.subarray(wkbStart), empty: (flags & 0b1_0000) !== 0, envelope };
}
