import { crc32, deflateRawSync } from 'node:zlib';

import { UserError } from '../../errors/errors.ts';
import { unsafeZipPath } from './zip-reader.ts';

export interface ZipFile {
  path: string;
  content: string | Buffer;
}

export interface ZipWriteOptions {
  /**
   * The error for a path that could leave the archive's folder once unpacked (zip slip); callers
   * word it for their audience (GeoServer's upload, a QGIS project).
   */
  unsafePath?: (path: string) => Error;
}

const defaultUnsafePath = (entry: string): Error =>
  new UserError('unsafe_archive_path', `'${JSON.stringify(entry)}' cannot be a path in a ZIP archive`, {
    details: [{ field: 'path', message: `unsafe path ${JSON.stringify(entry)}` }],
  });

/**
 * A minimal ZIP writer (deflate, no ZIP64, no encryption, no timestamps) for small archives built
 * in memory. A path that whoever unpacks the archive could write outside its folder is refused,
 * whatever the caller checked before: the rule is the reader's `unsafeZipPath`.
 */
export function zipFiles(files: ReadonlyArray<ZipFile>, options: ZipWriteOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  if (files.length > 0xffff) {
    throw new UserError('archive_too_large', `${files.length} files are too many for one archive`);
  }
  for (const file of files) {
    if (unsafeZipPath(file.path) !== undefined || Buffer.byteLength(file.path) > 0xffff) {
      throw (options.unsafePath ?? defaultUnsafePath)(file.path);
    }
    const name = Buffer.from(file.path, 'utf8');
    const data = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0, 10); // time and date: none
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
