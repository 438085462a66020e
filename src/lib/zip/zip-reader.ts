import { crc32, inflateRawSync } from 'node:zlib';

import { UserError } from '../../errors/errors.ts';

/** One file of a ZIP archive. */
export interface ZipEntry {
  path: string;
  content: Buffer;
}

/** An archive from a file service is untrusted: these bound what reading it may cost. */
export interface ZipLimits {
  maxEntries: number;
  /** The sum of the entries' uncompressed sizes (a decompression bomb stops here). */
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 1000, maxTotalBytes: 64 * 1024 * 1024 };

const invalidZip = (name: string, why: string) =>
  new UserError('invalid_zip', `'${name}' is not a ZIP archive geosync can read (${why})`, {
    details: [{ field: 'file', message: why }],
  });

/**
 * Why an entry path is unsafe, or undefined: whoever unpacks the archive (a map server, geosync
 * itself) would write a path leaving the archive's folder outside it (zip slip), so such a path is
 * refused, not cleaned. The ZIP writer applies the same rule.
 */
export function unsafeZipPath(entry: string): string | undefined {
  if (entry === '') return 'an entry has an empty name';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(entry)) return `'${JSON.stringify(entry)}' has a control character`;
  if (entry.includes('\\')) return `'${entry}' has a backslash`;
  if (entry.startsWith('/') || /^[A-Za-z]:/.test(entry)) return `'${entry}' is an absolute path`;
  const segments = entry.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) return `'${entry}' leaves or escapes its folder`;
  return undefined;
}

function inflate(packed: Buffer, size: number, name: string, entry: string): Buffer {
  try {
    // maxOutputLength: a lying size field cannot make the inflater allocate more than announced
    return inflateRawSync(packed, { maxOutputLength: Math.max(size, 1) });
  } catch (error) {
    throw invalidZip(name, `'${entry}' cannot be decompressed: ${(error as Error).message}`);
  }
}

/**
 * Reads the files of a small ZIP archive held in memory (mapping files, QGIS projects): stored and
 * deflated entries, found through the central directory. Folders are skipped; encrypted, ZIP64,
 * truncated or inconsistent archives, unsafe paths and archives over `limits` are refused with
 * `invalid_zip` before their content is decompressed.
 */
export function readZip(buffer: Buffer, name = 'archive', limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipEntry[] {
  const endAt = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || endAt + 22 > buffer.length) throw invalidZip(name, 'no end of central directory');
  const count = buffer.readUInt16LE(endAt + 10);
  if (count === 0xffff || buffer.readUInt32LE(endAt + 16) === 0xffffffff) {
    throw invalidZip(name, 'ZIP64 archives are not supported');
  }
  if (count > limits.maxEntries) throw invalidZip(name, `${count} entries, more than ${limits.maxEntries}`);
  let at = buffer.readUInt32LE(endAt + 16);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > endAt || buffer.readUInt32LE(at) !== 0x02014b50) throw invalidZip(name, 'bad central directory');
    const flags = buffer.readUInt16LE(at + 8);
    const method = buffer.readUInt16LE(at + 10);
    const crc = buffer.readUInt32LE(at + 16);
    const packedSize = buffer.readUInt32LE(at + 20);
    const size = buffer.readUInt32LE(at + 24);
    const nameLength = buffer.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
    if (next > endAt) throw invalidZip(name, 'truncated central directory');
    const rawName = buffer.subarray(at + 46, at + 46 + nameLength);
    const path = rawName.toString(flags & 0x0800 ? 'utf8' : 'latin1');
    const localAt = buffer.readUInt32LE(at + 42);
    at = next;
    const unsafe = unsafeZipPath(path);
    if (unsafe) throw invalidZip(name, unsafe);
    if (seen.has(path)) throw invalidZip(name, `'${path}' appears twice`);
    seen.add(path);
    if (path.endsWith('/')) continue;
    if (flags & 0x0001) throw invalidZip(name, `'${path}' is encrypted`);
    if (packedSize === 0xffffffff || size === 0xffffffff) throw invalidZip(name, 'ZIP64 archives are not supported');
    if (method !== 0 && method !== 8) throw invalidZip(name, `'${path}' uses compression method ${method}`);
    total += size;
    if (total > limits.maxTotalBytes) {
      throw invalidZip(name, `its files would take more than ${limits.maxTotalBytes} bytes once decompressed`);
    }
    if (localAt + 30 > endAt || buffer.readUInt32LE(localAt) !== 0x04034b50) {
      throw invalidZip(name, `bad local header of '${path}'`);
    }
    const localNameLength = buffer.readUInt16LE(localAt + 26);
    const localName = buffer.subarray(localAt + 30, localAt + 30 + localNameLength);
    if (!localName.equals(rawName)) throw invalidZip(name, `the headers of '${path}' disagree on its name`);
    const dataAt = localAt + 30 + localNameLength + buffer.readUInt16LE(localAt + 28);
    if (dataAt + packedSize > endAt) throw invalidZip(name, `'${path}' is truncated`);
    const packed = buffer.subarray(dataAt, dataAt + packedSize);
    const content = method === 0 ? Buffer.from(packed) : inflate(packed, size, name, path);
    if (content.length !== size || crc32(content) !== crc) {
      throw invalidZip(name, `'${path}' is corrupt (its size or checksum differs from its header)`);
    }
    entries.push({ path, content });
  }
  return entries;
}
