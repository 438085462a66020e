import { randomUUID } from 'node:crypto';
import { createWriteStream, type Stats } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { isGeosyncError, OperationalError, UserError } from '../../errors/errors.ts';
import { confinePath, normalizeRelativePath } from '../../lib/confine-path.ts';
import { type FileEntry, type FileService, fileNotFound, existsByStat } from '../file-service.ts';

/**
 * Translates a file-system failure on `relPath` into geosync's errors. Messages name the
 * relative path only: the server's absolute folder layout is none of a user's business.
 */
function fsError(error: unknown, relPath: string): unknown {
  if (isGeosyncError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return fileNotFound(relPath);
    case 'EISDIR':
      return isAFolder(relPath);
    case 'EACCES':
    case 'EPERM':
      return new UserError('file_access_denied', `geosync is not allowed to access '${relPath}' (${code})`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new OperationalError('disk_full', `No space left to write '${relPath}'`, { cause: error });
    case undefined:
    case 'ABORT_ERR':
      return error;
    default:
      return new OperationalError('file_service_failed', `Cannot access '${relPath}' (${code})`, { cause: error });
  }
}

function isAFolder(relPath: string): UserError {
  return new UserError('is_a_directory', `'${relPath}' is a folder, not a file`);
}

function entry(relPath: string, stats: Stats): FileEntry {
  const isDirectory = stats.isDirectory();
  return { path: relPath, size: isDirectory ? 0 : stats.size, modified: stats.mtime, isDirectory };
}

/** Joins a child name to a relative folder path (`''` is the root). */
const child = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);

/** A FileService over a folder; every path is confined to it (see lib/confine-path.ts). */
export class LocalFileService implements FileService {
  /** `root` must be absolute. */
  constructor(
    private readonly root: string,
    private readonly createRoot: boolean,
  ) {}

  private async resolve(relPath: string): Promise<string> {
    // Cheap when the folder exists, and survives someone deleting it while geosync runs.
    if (this.createRoot) await mkdir(this.root, { recursive: true });
    try {
      return await confinePath(this.root, relPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(error, relPath);
      // confinePath only meets ENOENT on the root itself (missing names below it are fine).
      throw new UserError('root_not_found', 'The root folder of this file service does not exist', { status: 404 });
    }
  }

  async list(dir = ''): Promise<FileEntry[]> {
    const rel = normalizeRelativePath(dir);
    const abs = await this.resolve(rel);
    const names = await readdir(abs).catch((error: unknown) => {
      throw fsError(error, rel);
    });
    const entries: FileEntry[] = [];
    for (const name of names) {
      try {
        entries.push(await this.stat(child(rel, name)));
      } catch (error) {
        // Links pointing outside the root (or dangling) are not part of the service; a file
        // deleted since readdir is simply gone.
        const code = (error as UserError).code;
        if (code !== 'path_outside_root' && code !== 'file_not_found') throw error;
      }
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async stat(relPath: string): Promise<FileEntry> {
    const rel = normalizeRelativePath(relPath);
    const abs = await this.resolve(rel);
    try {
      return entry(rel, await stat(abs));
    } catch (error) {
      throw fsError(error, rel);
    }
  }

  async read(relPath: string): Promise<Readable> {
    const rel = normalizeRelativePath(relPath);
    const abs = await this.resolve(rel);
    const handle = await open(abs, 'r').catch((error: unknown) => {
      throw fsError(error, rel);
    });
    // Opening a folder succeeds on Linux; fail now rather than on the first read.
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw isAFolder(rel);
    }
    return handle.createReadStream();
  }

  async write(relPath: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw isAFolder(rel);
    const abs = await this.resolve(rel);
    // The temporary file sits next to the target so the rename stays on one file system,
    // which makes it atomic: readers see the old file or the new one, never a part.
    const temp = path.join(path.dirname(abs), `.${path.basename(abs)}.${randomUUID().slice(0, 8)}.partial`);
    try {
      await mkdir(path.dirname(abs), { recursive: true });
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }), { signal });
      await rename(temp, abs);
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, rel);
    }
  }

  /**
   * One rename(2) within the root: atomic, and it replaces the target. Both names are resolved
   * through their parent folders, so a link is moved as a link (never what it points to); the
   * source is also resolved whole first, which refuses a link pointing outside the root.
   */
  async rename(fromPath: string, toPath: string): Promise<void> {
    const from = normalizeRelativePath(fromPath);
    const to = normalizeRelativePath(toPath);
    if (from === '') throw isAFolder(from);
    if (to === '') throw isAFolder(to);
    if ((await this.stat(from)).isDirectory) throw isAFolder(from);
    if (from === to) return;
    const fromAbs = path.join(await this.resolve(path.posix.dirname(from)), path.posix.basename(from));
    const toParent = await this.resolve(path.posix.dirname(to));
    const toAbs = path.join(toParent, path.posix.basename(to));
    try {
      await mkdir(toParent, { recursive: true });
    } catch (error) {
      throw fsError(error, to);
    }
    try {
      await rename(fromAbs, toAbs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EXDEV') return this.moveAcrossDisks(fromAbs, toAbs, from, to);
      // A folder at the target (or a file where a parent folder should be) is about `to`.
      throw fsError(error, code === 'EISDIR' || code === 'ENOTDIR' ? to : from);
    }
  }

  /**
   * A folder inside the root may be another file system (a mount): there rename(2) fails with
   * EXDEV, so the file is copied next to the target, renamed into place, then removed.
   */
  private async moveAcrossDisks(fromAbs: string, toAbs: string, from: string, to: string): Promise<void> {
    const temp = path.join(path.dirname(toAbs), `.${path.basename(toAbs)}.${randomUUID().slice(0, 8)}.partial`);
    try {
      await copyFile(fromAbs, temp);
      await rename(temp, toAbs);
    } catch (error) {
      await rm(temp, { force: true });
      throw fsError(error, to);
    }
    await rm(fromAbs, { force: true }).catch((error: unknown) => {
      throw fsError(error, from);
    });
  }

  async remove(relPath: string): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw new UserError('cannot_remove_root', 'The root folder of a file service cannot be removed');
    // Resolve the parent only: removing a link must remove the link, not what it points to.
    const parent = await this.resolve(path.posix.dirname(rel));
    try {
      await rm(path.join(parent, path.posix.basename(rel)), { recursive: true, force: true });
    } catch (error) {
      throw fsError(error, rel);
    }
  }

  exists(relPath: string): Promise<boolean> {
    return existsByStat(this, relPath);
  }

  /** The absolute path of `relPath`, links resolved and confined to the root (see confinePath). */
  async localPath(relPath: string): Promise<string> {
    return this.resolve(normalizeRelativePath(relPath));
  }
}
