import path from 'node:path';

import type { FileService } from '../../connectors/file-service.ts';
import type { RasterFileSource } from '../../connectors/publisher.ts';
import { isGeosyncError, UserError } from '../../errors/errors.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';
import { latestVersion, versionPattern } from '../copy-file/file-versions.ts';
import { STAGED_FILE_KIND, stagedFileData, stagedFileName } from '../copy-file/staged-file.ts';
import type { TaskRunContext } from '../task-type.ts';

/** A GeoTIFF on a file service, as a file publication task serves it. */
export interface ResolvedRasterFile {
  /** The file service's connection name. */
  service: string;
  /** The file the layer serves once the run is committed. */
  final: string;
  /**
   * The file to read now: `final`, or the staged copy when an earlier CopyFile of this run
   * replaces `final` (the copy is renamed onto `final` only on commit).
   */
  current: string;
}

const GEOTIFF_EXTENSION = /\.tiff?$/i;

/** The first bytes of a TIFF (classic or BigTIFF, either byte order). */
const TIFF_MAGIC = ['49492a00', '4d4d002a', '49492b00', '4d4d002b'];

function missingFile(file: string, service: string, why = 'does not exist'): UserError {
  return new UserError('file_not_found', `File '${file}' ${why} on file service '${service}'`, {
    status: 404,
    details: [{ field: 'file', message: why }],
  });
}

function notGeotiff(file: string, why: string): UserError {
  return new UserError('not_a_geotiff', `File '${file}' is not a GeoTIFF: ${why}`, {
    details: [{ field: 'file', message: 'not a GeoTIFF' }],
  });
}

/**
 * The file a `file` parameter names: the latest existing version of a versioned path (`###`, or
 * `auto-versioned`; a version an earlier CopyFile of this run wrote is already the latest), and
 * the staged copy of a plain path an earlier CopyFile of this run replaces. Refuses a missing
 * file, a folder, and a file that is not a GeoTIFF (by extension, then by its first bytes).
 */
export async function resolveRasterFile(
  serviceName: string,
  file: string,
  autoVersioned: boolean,
  ctx: TaskRunContext,
): Promise<{ service: FileService; file: ResolvedRasterFile }> {
  const service = await ctx.services.connections.fileService(serviceName);
  const pattern = versionPattern(file, autoVersioned);
  let final = normalizeRelativePath(file);
  let current = final;
  if (pattern) {
    const latest = await latestVersion(service, pattern);
    if (!latest) throw missingFile(file, serviceName, 'has no version');
    final = current = latest.path;
  } else {
    const staged = ctx.findStaged(STAGED_FILE_KIND, stagedFileName(serviceName, final));
    const data = staged && stagedFileData(staged);
    if (data?.mode === 'replace') current = data.temp;
  }
  if (!GEOTIFF_EXTENSION.test(final)) throw notGeotiff(final, 'its name does not end with .tif or .tiff');
  const entry = await service.stat(current).catch((error: unknown) => {
    if (isGeosyncError(error) && error.code === 'file_not_found') throw missingFile(current, serviceName);
    throw error;
  });
  if (entry.isDirectory) {
    throw new UserError('is_a_directory', `'${current}' is a folder, not a file, on file service '${serviceName}'`, {
      details: [{ field: 'file', message: 'is a folder' }],
    });
  }
  if (!TIFF_MAGIC.includes((await firstBytes(service, current, 4)).toString('hex'))) {
    throw notGeotiff(final, 'it does not start like a TIFF file');
  }
  return { service, file: { service: serviceName, final, current } };
}

/** The first `count` bytes of a file, without reading the rest. */
async function firstBytes(service: FileService, file: string, count: number): Promise<Buffer> {
  const stream = await service.read(file);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= count) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, count);
}

/**
 * How a map server gets the file: by its path on this host when the file service is a local
 * disk (a map server on this host reads it there, nothing is copied), else its bytes, uploaded
 * (the map server keeps its own copy).
 */
export async function rasterSource(service: FileService, file: string): Promise<RasterFileSource> {
  if (service.localPath) return { kind: 'geotiff', path: await service.localPath(file) };
  return {
    kind: 'geotiff',
    path: file,
    upload: { fileName: path.posix.basename(file), open: () => service.read(file) },
  };
}
