import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { crc32, createInflateRaw } from 'node:zlib';

import { isGeosyncError } from '../../../errors/errors.ts';
import { unsafeZipPath } from '../../../lib/zip/zip-reader.ts';

export interface ZipFileEntry {
  path: string;
  size: number;
  compressedSize: number;
  crc: number;
  method: 0 | 8;
  localOffset: number;
}

export interface ZipFileReadOptions {
  /** The error for an archive that is not one, is damaged, truncated or unsafe. */
  invalid: (why: string) => Error;
  maxEntries?: number;
}

const U16 = 0xffff;
const U32 = 0xffffffff;
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * Reads a ZIP archive from a file without loading it: the central directory (ZIP64 included),
 * then one entry at a time as a stream that checks the announced size and CRC, so a damaged,
 * truncated or oversized (decompression bomb) entry fails with `invalid` instead of being used.
 */
export class ZipFileReader {
  private constructor(
    readonly path: string,
    readonly entries: ReadonlyMap<string, ZipFileEntry>,
    private readonly directoryStart: number,
    private readonly invalid: (why: string) => Error,
  ) {}

  static async open(path: string, options: ZipFileReadOptions): Promise<ZipFileReader> {
    const { invalid } = options;
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (error) {
      throw invalid(`it cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      const { size } = await file.stat();
      if (size < 22) throw invalid('it is too short to be a ZIP archive');
      const tailStart = Math.max(0, size - (22 + U16));
      const tail = await readAt(file, tailStart, size - tailStart);
      let at = -1;
      for (let i = tail.length - 22; i >= 0; i--) {
        if (tail.readUInt32LE(i) === 0x06054b50 && i + 22 + tail.readUInt16LE(i + 20) === tail.length) {
          at = i;
          break;
        }
      }
      if (at < 0) throw invalid('it has no end of central directory: not a ZIP archive, or truncated');
      let count = tail.readUInt16LE(at + 10);
      let directorySize = tail.readUInt32LE(at + 12);
      let directoryStart = tail.readUInt32LE(at + 16);
      let directoryEnd = tailStart + at;
      if (count === U16 || directorySize === U32 || directoryStart === U32) {
        const locator = await readAt(file, directoryEnd - 20, 20);
        if (locator.length < 20 || locator.readUInt32LE(0) !== 0x07064b50) {
          throw invalid('its ZIP64 locator is missing');
        }
        const recordAt = Number(locator.readBigUInt64LE(8));
        const record = await readAt(file, recordAt, 56);
        if (record.length < 56 || record.readUInt32LE(0) !== 0x06064b50 || recordAt + 56 > directoryEnd - 20) {
          throw invalid('its ZIP64 end of central directory is damaged');
        }
        count = Number(record.readBigUInt64LE(32));
        directorySize = Number(record.readBigUInt64LE(40));
        directoryStart = Number(record.readBigUInt64LE(48));
        directoryEnd = recordAt;
      }
      if (count > (options.maxEntries ?? 10_000)) throw invalid(`it has too many entries (${count})`);
      if (directorySize > MAX_DIRECTORY_BYTES || directoryStart + directorySize > directoryEnd) {
        throw invalid('its central directory is damaged');
      }
      const directory = await readAt(file, directoryStart, directorySize);
      const entries = parseDirectory(directory, count, directoryStart, invalid);
      return new ZipFileReader(path, entries, directoryStart, invalid);
    } finally {
      await file.close();
    }
  }

  /** The entry's uncompressed bytes, checked against its size and CRC as they are read. */
  async *read(path: string): AsyncGenerator<Buffer> {
    const entry = this.entries.get(path);
    if (!entry) throw this.invalid(`it has no entry '${path}'`);
    const dataStart = await this.dataStart(entry);
    if (entry.compressedSize === 0) {
      if (entry.size !== 0) throw this.invalid(`'${path}' is truncated`);
      return;
    }
    const raw = createReadStream(this.path, {
      start: dataStart,
      end: dataStart + entry.compressedSize - 1,
      highWaterMark: 1024 * 1024,
    });
    const inflater = entry.method === 8 ? createInflateRaw() : undefined;
    const source = inflater ? raw.pipe(inflater) : raw;
    raw.on('error', (error) => source.destroy(error));
    let size = 0;
    let crc = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > entry.size) throw this.invalid(`'${path}' is longer than its directory says`);
        crc = crc32(chunk, crc);
        yield chunk;
      }
    } catch (error) {
      if (isGeosyncError(error)) throw error;
      throw this.invalid(`'${path}' cannot be read: ${(error as Error).message}`);
    } finally {
      raw.destroy();
      inflater?.destroy();
    }
    if (size !== entry.size) throw this.invalid(`'${path}' is truncated`);
    if (crc >>> 0 !== entry.crc) throw this.invalid(`'${path}' is damaged (CRC mismatch)`);
  }

  /** A whole entry in memory, refused above `maxBytes`. */
  async readBuffer(path: string, maxBytes: number): Promise<Buffer> {
    const entry = this.entries.get(path);
    if (entry && entry.size > maxBytes) throw this.invalid(`'${path}' is larger than ${maxBytes} bytes`);
    const chunks: Buffer[] = [];
    for await (const chunk of this.read(path)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  private async dataStart(entry: ZipFileEntry): Promise<number> {
    const file = await open(this.path, 'r');
    try {
      const header = await readAt(file, entry.localOffset, 30);
      if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50) {
        throw this.invalid(`the local header of '${entry.path}' is missing`);
      }
      const start = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
      if (start + entry.compressedSize > this.directoryStart) {
        throw this.invalid(`'${entry.path}' overlaps the directory`);
      }
      return start;
    } finally {
      await file.close();
    }
  }
}

function parseDirectory(
  directory: Buffer,
  count: number,
  directoryStart: number,
  invalid: (why: string) => Error,
): Map<string, ZipFileEntry> {
  const entries = new Map<string, ZipFileEntry>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== 0x02014b50) {
      throw invalid('its central directory is damaged');
    }
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directory.length) throw invalid('its central directory is damaged');
    const path = directory.toString('utf8', at + 46, at + 46 + nameLength);
    if (flags & 0x0001) throw invalid(`'${path}' is encrypted`);
    if (method !== 0 && method !== 8) throw invalid(`'${path}' uses compression method ${method}`);
    const unsafe = unsafeZipPath(path);
    if (unsafe !== undefined) throw invalid(unsafe);
    if (entries.has(path)) throw invalid(`'${path}' appears twice`);
    let size = directory.readUInt32LE(at + 24);
    let compressedSize = directory.readUInt32LE(at + 20);
    let localOffset = directory.readUInt32LE(at + 42);
    if (size === U32 || compressedSize === U32 || localOffset === U32) {
      const extra = zip64Extra(directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
      if (!extra) throw invalid(`'${path}' lacks its ZIP64 sizes`);
      let field = 0;
      const take = () => {
        if (field + 8 > extra.length) throw invalid(`'${path}' has a short ZIP64 field`);
        const value = Number(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (size === U32) size = take();
      if (compressedSize === U32) compressedSize = take();
      if (localOffset === U32) localOffset = take();
    }
    if (localOffset >= directoryStart) throw invalid(`'${path}' starts after the directory`);
    entries.set(path, {
      path,
      size,
      compressedSize,
      crc: directory.readUInt32LE(at + 16),
      method: method,
      localOffset,
    });
    at = next;
  }
  return entries;
}

function zip64Extra(extra: Buffer): Buffer | undefined {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) return extra.subarray(at + 4, at + 4 + length);
    at += 4 + length;
  }
  return undefined;
}
