/**
 * Raster files of a MapServer connection. A GeoTIFF layer either names a file MapServer reads
 * where it is (`path`), or hands its bytes over (`upload`, the file lives on a file service
 * MapServer cannot read): geosync then keeps its own copy in the managed folder
 * `<mapfile name>-data/` next to the mapfile, one new file per publication (never overwriting
 * another layer's), and removes it when no layer refers to it any more.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { UserError } from '../../errors/errors.ts';
import type { RasterFileSource } from '../publisher.ts';

/** The first bytes of a TIFF: little- or big-endian, classic (42) or BigTIFF (43). */
const TIFF_MAGIC = [
  Buffer.from([0x49, 0x49, 0x2a, 0x00]),
  Buffer.from([0x4d, 0x4d, 0x00, 0x2a]),
  Buffer.from([0x49, 0x49, 0x2b, 0x00]),
  Buffer.from([0x4d, 0x4d, 0x00, 0x2b]),
];

export const isTiffMagic = (head: Buffer): boolean => TIFF_MAGIC.some((magic) => head.subarray(0, 4).equals(magic));

/**
 * Refuses a file that is not a TIFF. MapServer reads any raster format GDAL knows, so without
 * this a PNG named `.tif` would be published as a "GeoTIFF" layer. A file geosync cannot open is
 * left to map2img's check, which says what MapServer itself makes of it.
 */
export async function assertGeotiff(file: string, shown: string): Promise<void> {
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return;
  }
  if (!isTiffMagic(head)) {
    throw new UserError('layer_source_invalid', `'${shown}' is not a GeoTIFF (it does not start like a TIFF file)`);
  }
}

/** `Dem 2024 (v3).TIF` → `Dem_2024_v3`: a file name part that cannot leave the folder or hide. */
function sanitizedBase(fileName: string): string {
  const base = path.posix.basename(fileName.replaceAll('\\', '/')).replace(/\.[^.]*$/, '');
  const clean = base.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[_-]+|_+$/g, '');
  return clean.slice(0, 64) || 'raster';
}

export class RasterFolder {
  /** Absolute folder of the uploaded copies. */
  readonly dir: string;

  constructor(
    mapfile: string,
    /** Largest copy accepted, in bytes: an upload cannot fill the disk. */
    private readonly maxBytes: number = Number.POSITIVE_INFINITY,
  ) {
    this.dir = path.join(path.dirname(mapfile), `${path.basename(mapfile).replace(/\.map$/i, '')}-data`);
  }

  /** Whether `file` is one of the copies this folder holds (and may thus be removed by geosync). */
  owns(file: string): boolean {
    return path.dirname(file) === this.dir && !path.basename(file).startsWith('.');
  }

  /**
   * Streams the upload into a new file of its own and checks it is a TIFF; returns its absolute
   * path. A failed or refused upload leaves nothing behind.
   */
  async store(upload: NonNullable<RasterFileSource['upload']>, signal: AbortSignal): Promise<string> {
    signal.throwIfAborted();
    await mkdir(this.dir, { recursive: true });
    const name = `${sanitizedBase(upload.fileName)}.${randomBytes(6).toString('hex')}.tif`;
    const file = path.join(this.dir, name);
    const temp = path.join(this.dir, `.${name}.partial`);
    try {
      await pipeline(
        await upload.open(),
        limit(this.maxBytes, upload.fileName),
        createWriteStream(temp, { flags: 'wx' }),
        {
          signal,
        },
      );
      await assertGeotiff(temp, upload.fileName);
      await rename(temp, file);
      return file;
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Removes the copies among `files` that no layer refers to (`inUse`). */
  async release(files: Iterable<string>, inUse: ReadonlySet<string>): Promise<void> {
    for (const file of files) {
      if (this.owns(file) && !inUse.has(file)) await rm(file, { force: true });
    }
  }
}

/** Passes bytes through until more than `maxBytes` came, then fails with a clear error. */
function limit(maxBytes: number, shown: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) {
        const mib = Math.round(maxBytes / 1024 / 1024);
        done(
          new UserError(
            'raster_too_large',
            `'${shown}' is larger than ${mib} MiB, the largest upload this MapServer connection accepts (maxRasterUploadMB)`,
          ),
        );
        return;
      }
      done(null, chunk);
    },
  });
}
