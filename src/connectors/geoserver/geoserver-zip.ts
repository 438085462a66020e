import { crc32, deflateRawSync } from 'node:zlib';

import { UserError } from '../../errors/errors.ts';

/**
 * GeoServer unpacks the archive into its data directory: a path that could leave the archive's
 * folder there (zip slip) is refused, whatever the caller checked before.
 */
function assertSafePath(entry: string): void {
  const segments = entry.split('/');
  const unsafe =
    entry === '' ||
    Buffer.byteLength(entry) > 0xffff ||
    // eslint-disable-next-line no-control-regex
    /[\\\u0000-\u001f]/.test(entry) ||
    /^[A-Za-z]:/.test(entry) ||
    segments.some((s, i) => s === '..' || s === '.' || (s === '' && i < segments.length - 1));
  if (unsafe) {
    throw new UserError(
      'unsafe_archive_path',
      `'${JSON.stringify(entry)}' cannot be a path in an archive sent to GeoServer`,
      {
        details: [{ field: 'source.files', message: `unsafe path ${JSON.stringify(entry)}` }],
      },
    );
  }
}

/**
 * A minimal ZIP writer (deflate, no ZIP64, no encryption) for the archives GeoServer's upload
 * endpoints take (`application/zip`): app-schema mappings with their included files. The
 * archives are small text files, so they are built in memory.
 */
export function zipFiles(files: ReadonlyArray<{ path: string; content: string | Buffer }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  if (files.length > 0xffff) {
    throw new UserError('archive_too_large', `${files.length} files are too many for one archive`);
  }
  for (const file of files) {
    assertSafePath(file.path);
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
