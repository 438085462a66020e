import { inflateRawSync } from 'node:zlib';

import { UserError } from '../../errors/errors.ts';

/** One file of a ZIP archive. */
export interface ZipEntry {
  path: string;
  content: Buffer;
}

const invalidZip = (name: string, why: string) =>
  new UserError('invalid_zip', `'${name}' is not a ZIP archive geosync can read (${why})`, {
    details: [{ field: 'file', message: why }],
  });

/**
 * Reads the files of a small ZIP archive held in memory (mapping files are text): stored and
 * deflated entries, found through the central directory. Folders are skipped; encrypted or ZIP64
 * archives are refused with `invalid_zip`.
 */
export function readZip(buffer: Buffer, name = 'archive'): ZipEntry[] {
  const endAt = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || endAt + 22 > buffer.length) throw invalidZip(name, 'no end of central directory');
  const count = buffer.readUInt16LE(endAt + 10);
  let at = buffer.readUInt32LE(endAt + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > buffer.length || buffer.readUInt32LE(at) !== 0x02014b50) {
      throw invalidZip(name, 'bad central directory');
    }
    const flags = buffer.readUInt16LE(at + 8);
    const method = buffer.readUInt16LE(at + 10);
    const packedSize = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const localAt = buffer.readUInt32LE(at + 42);
    const path = buffer.toString(flags & 0x0800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (path.endsWith('/')) continue;
    if (flags & 0x0001) throw invalidZip(name, `'${path}' is encrypted`);
    if (packedSize === 0xffffffff) throw invalidZip(name, 'ZIP64 archives are not supported');
    if (buffer.readUInt32LE(localAt) !== 0x04034b50) throw invalidZip(name, `bad local header of '${path}'`);
    const dataAt = localAt + 30 + buffer.readUInt16LE(localAt + 26) + buffer.readUInt16LE(localAt + 28);
    const packed = buffer.subarray(dataAt, dataAt + packedSize);
    if (method === 0) entries.push({ path, content: Buffer.from(packed) });
    else if (method === 8) entries.push({ path, content: inflateRawSync(packed) });
    else throw invalidZip(name, `'${path}' uses compression method ${method}`);
  }
  return entries;
}
