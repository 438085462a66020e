import { createHash } from 'node:crypto';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';

import { UnexpectedError } from '../../../errors/errors.ts';
import { unsafeZipPath } from '../../../lib/zip/zip-reader.ts';

export interface WrittenEntry {
  path: string;
  size: number;
  compressedSize: number;
  crc: number;
  sha256: string;
  offset: number;
}

export type EntrySource = Readable | AsyncIterable<Buffer> | Buffer | string;

const U16 = 0xffff;
const U32 = 0xffffffff;
const ZIP64_VERSION = 45;
const UTF8_NAMES = 0x0800;
const DEFLATE = 8;

function dosDateTime(at: Date): { time: number; date: number } {
  const year = Math.max(at.getFullYear(), 1980);
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | (at.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  };
}

/**
 * A ZIP archive streamed to a file, entry after entry, so its size is bounded by the disk, not
 * by memory (the in-memory `lib/zip` writer suits small archives only). Each local header
 * carries a ZIP64 extra field whose sizes, with the CRC, are patched in place once the entry is
 * written (the file is seekable, so no data descriptors); the central directory and the end
 * records switch to ZIP64 only where a size, an offset or the entry count needs it.
 */
export class ZipFileWriter {
  private offset = 0;
  private readonly entries: WrittenEntry[] = [];
  private readonly stamp = dosDateTime(new Date());
  private closed = false;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly forceZip64: boolean,
  ) {}

  /** Creates `path`, which must not exist. `forceZip64` writes ZIP64 records even when small (tests). */
  static async create(path: string, options: { forceZip64?: boolean } = {}): Promise<ZipFileWriter> {
    return new ZipFileWriter(await open(path, 'wx', 0o600), path, options.forceZip64 ?? false);
  }

  /** Deflates one entry; `observe` sees every uncompressed chunk (to count rows). */
  async add(
    path: string,
    source: EntrySource,
    options: { observe?: (chunk: Buffer) => void; signal?: AbortSignal } = {},
  ): Promise<WrittenEntry> {
    if (unsafeZipPath(path) !== undefined || this.entries.some((e) => e.path === path)) {
      throw new UnexpectedError('zip_entry_invalid', `'${path}' cannot be an entry of this archive`);
    }
    const name = Buffer.from(path, 'utf8');
    const offset = this.offset;
    const header = Buffer.alloc(30 + name.length + 20);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(ZIP64_VERSION, 4);
    header.writeUInt16LE(UTF8_NAMES, 6);
    header.writeUInt16LE(DEFLATE, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    header.writeUInt32LE(U32, 18); // sizes: in the ZIP64 extra field
    header.writeUInt32LE(U32, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(20, 28);
    name.copy(header, 30);
    header.writeUInt16LE(0x0001, 30 + name.length);
    header.writeUInt16LE(16, 32 + name.length);
    await this.append(header);

    let size = 0;
    let crc = 0;
    let compressedSize = 0;
    const hash = createHash('sha256');
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        crc = crc32(chunk, crc);
        hash.update(chunk);
        options.observe?.(chunk);
        done(null, chunk);
      },
    });
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        compressedSize += chunk.length;
        this.append(chunk).then(() => done(), done);
      },
    });
    const input = typeof source === 'string' || Buffer.isBuffer(source) ? Readable.from([Buffer.from(source)]) : source;
    await pipeline(input, measure, createDeflateRaw(), sink, ...(options.signal ? [{ signal: options.signal }] : []));

    const crcField = Buffer.alloc(4);
    crcField.writeUInt32LE(crc >>> 0);
    await this.writeAt(crcField, offset + 14);
    const sizes = Buffer.alloc(16);
    sizes.writeBigUInt64LE(BigInt(size), 0);
    sizes.writeBigUInt64LE(BigInt(compressedSize), 8);
    await this.writeAt(sizes, offset + 30 + name.length + 4);
    const entry = { path, size, compressedSize, crc: crc >>> 0, sha256: hash.digest('hex'), offset };
    this.entries.push(entry);
    return entry;
  }

  /** Writes the central directory and closes the file; returns its size in bytes. */
  async finish(): Promise<number> {
    const directoryStart = this.offset;
    for (const entry of this.entries) await this.append(this.centralRecord(entry));
    const directorySize = this.offset - directoryStart;
    const count = this.entries.length;
    if (this.forceZip64 || count >= U16 || directoryStart >= U32 || directorySize >= U32) {
      const record = Buffer.alloc(56 + 20);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(ZIP64_VERSION, 12);
      record.writeUInt16LE(ZIP64_VERSION, 14);
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(directorySize), 40);
      record.writeBigUInt64LE(BigInt(directoryStart), 48);
      record.writeUInt32LE(0x07064b50, 56); // the locator
      record.writeBigUInt64LE(BigInt(this.offset), 64);
      record.writeUInt32LE(1, 72);
      await this.append(record);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, U16), 8);
    end.writeUInt16LE(Math.min(count, U16), 10);
    end.writeUInt32LE(this.forceZip64 ? U32 : Math.min(directorySize, U32), 12);
    end.writeUInt32LE(this.forceZip64 ? U32 : Math.min(directoryStart, U32), 16);
    await this.append(end);
    await this.file.sync();
    await this.close();
    return this.offset;
  }

  /** Closes and deletes the unfinished file. */
  async abort(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  private centralRecord(entry: WrittenEntry): Buffer {
    const name = Buffer.from(entry.path, 'utf8');
    const farOffset = this.forceZip64 || entry.offset >= U32;
    const extra = Buffer.alloc(4 + 16 + (farOffset ? 8 : 0));
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(extra.length - 4, 2);
    extra.writeBigUInt64LE(BigInt(entry.size), 4);
    extra.writeBigUInt64LE(BigInt(entry.compressedSize), 12);
    if (farOffset) extra.writeBigUInt64LE(BigInt(entry.offset), 20);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE((3 << 8) | ZIP64_VERSION, 4); // made by: Unix
    record.writeUInt16LE(ZIP64_VERSION, 6);
    record.writeUInt16LE(UTF8_NAMES, 8);
    record.writeUInt16LE(DEFLATE, 10);
    record.writeUInt16LE(this.stamp.time, 12);
    record.writeUInt16LE(this.stamp.date, 14);
    record.writeUInt32LE(entry.crc, 16);
    record.writeUInt32LE(U32, 20);
    record.writeUInt32LE(U32, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt16LE(extra.length, 30);
    record.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    record.writeUInt32LE(farOffset ? U32 : entry.offset, 42);
    return Buffer.concat([record, name, extra]);
  }

  private async append(data: Buffer): Promise<void> {
    await this.writeAt(data, this.offset);
    this.offset += data.length;
  }

  private async writeAt(data: Buffer, position: number): Promise<void> {
    for (let done = 0; done < data.length;) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}
