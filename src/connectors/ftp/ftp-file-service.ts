import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';

import type { Client, FileInfo } from 'basic-ftp';

import { UserError } from '../../errors/errors.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';
import { type FileEntry, type FileService, fileNotFound, existsByStat } from '../file-service.ts';
import { ftpError, ftpErrorCode } from './ftp-errors.ts';
import { parseListDate } from './ftp-list-date.ts';
import type { FtpSessions } from './ftp-sessions.ts';

/** The server path of relative path `rel` under the session's absolute root. */
const remote = (root: string, rel: string): string => path.posix.join(root, rel);

const child = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);

function isAFolder(relPath: string): UserError {
  return new UserError('is_a_directory', `'${relPath}' is a folder, not a file`);
}

function entry(rel: string, info: FileInfo): FileEntry {
  const modified = info.modifiedAt ?? parseListDate(info.rawModifiedAt);
  return { path: rel, size: info.isDirectory ? 0 : info.size, modified, isDirectory: info.isDirectory };
}

/** The entries of the current folder of `client`, without `.` and `..`. */
async function listHere(client: Client): Promise<FileInfo[]> {
  return (await client.list()).filter((info) => info.name !== '.' && info.name !== '..');
}

/**
 * A folder on an FTP server as a FileService. Paths are confined by their spelling (the server
 * is reached only through absolute paths below the root setting); what links on the server
 * point to is the server's business, as FTP does not tell reliably.
 */
export class FtpFileService implements FileService {
  constructor(protected readonly sessions: FtpSessions) {}

  async list(dir = ''): Promise<FileEntry[]> {
    const rel = normalizeRelativePath(dir);
    const infos = await this.sessions
      .run(async ({ client, root }) => {
        // CWD first: LIST of a file lists the file, and LIST of a missing path may list nothing.
        await client.cd(remote(root, rel));
        return listHere(client);
      })
      .catch((error: unknown) => {
        throw ftpError(error, rel);
      });
    return infos.map((info) => entry(child(rel, info.name), info)).sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  async stat(relPath: string): Promise<FileEntry> {
    const rel = normalizeRelativePath(relPath);
    const found = await this.sessions
      .run(async ({ client, root }) => {
        if (rel === '') return { path: '', size: 0, modified: new Date(0), isDirectory: true };
        await client.cd(remote(root, path.posix.dirname(rel)));
        const info = (await listHere(client)).find((i) => i.name === path.posix.basename(rel));
        if (!info) return undefined;
        const found = entry(rel, info);
        // A listing's time is rounded to the minute at best; MDTM is exact (where supported).
        if (!found.isDirectory) found.modified = await client.lastMod(remote(root, rel)).catch(() => found.modified);
        return found;
      })
      .catch((error: unknown) => {
        throw ftpError(error, rel);
      });
    if (!found) throw fileNotFound(rel);
    return found;
  }

  /** Checks the file first, so a missing file fails here and not in the middle of the stream. */
  async read(relPath: string): Promise<Readable> {
    const rel = normalizeRelativePath(relPath);
    if ((await this.stat(rel)).isDirectory) throw isAFolder(rel);
    const body = new PassThrough();
    this.sessions
      .transfer(({ client, root }) => client.downloadTo(body, remote(root, rel)))
      .catch((error: unknown) => body.destroy(ftpError(error, rel) as Error));
    return body;
  }

  /**
   * Uploads under a temporary name next to the target, then renames it: a rename within one
   * folder is atomic on every server file system, so readers never see part of a file.
   */
  async write(relPath: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw isAFolder(rel);
    const name = path.posix.basename(rel);
    const temp = `.${name}.${randomUUID().slice(0, 8)}.partial`;
    await this.sessions
      .transfer(async ({ client, root }) => {
        // ensureDir creates the missing folders and makes the last one the current folder.
        await client.ensureDir(remote(root, path.posix.dirname(rel)));
        try {
          await client.uploadFrom(body, temp);
          await replace(client, temp, name);
        } catch (error) {
          if (!client.closed) await client.remove(temp, true);
          throw error;
        }
      }, signal)
      .catch((error: unknown) => {
        throw ftpError(error, rel);
      });
  }

  /**
   * RNFR/RNTO with absolute paths, after creating the target's folders. Unix servers rename(2),
   * which replaces the target atomically; a server that refuses an existing target gets it
   * removed first (see replace()).
   */
  async rename(fromPath: string, toPath: string): Promise<void> {
    const from = normalizeRelativePath(fromPath);
    const to = normalizeRelativePath(toPath);
    if (to === '') throw isAFolder(to);
    if ((await this.stat(from)).isDirectory) throw isAFolder(from);
    if (from === to) return;
    const target = await this.stat(to).catch((error: unknown) => {
      if ((error as UserError).code === 'file_not_found') return undefined;
      throw error;
    });
    if (target?.isDirectory) throw isAFolder(to);
    await this.sessions
      .run(({ client, root }) => client.ensureDir(remote(root, path.posix.dirname(to))))
      .catch((error: unknown) => {
        throw ftpError(error, to);
      });
    await this.sessions
      .run(({ client, root }) => replace(client, remote(root, from), remote(root, to)))
      .catch((error: unknown) => {
        throw ftpError(error, from);
      });
  }

  async remove(relPath: string): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw new UserError('cannot_remove_root', 'The root folder of a file service cannot be removed');
    const existing = await this.stat(rel).catch((error: unknown) => {
      if ((error as UserError).code === 'file_not_found') return undefined;
      throw error;
    });
    if (!existing) return;
    await this.sessions
      .run(async ({ client, root }) => {
        if (existing.isDirectory) await client.removeDir(remote(root, rel));
        else await client.remove(remote(root, rel));
      })
      .catch((error: unknown) => {
        throw ftpError(error, rel);
      });
  }

  exists(relPath: string): Promise<boolean> {
    return existsByStat(this, relPath);
  }
}

/**
 * Renames `from` onto `to` (names in the current folder, or absolute paths). Unix servers replace the target; some
 * (Windows ones) refuse an existing target, so it is removed and the rename tried once more:
 * not atomic, but the only way on such servers.
 */
async function replace(client: Client, from: string, to: string): Promise<void> {
  try {
    await client.rename(from, to);
  } catch (error) {
    if (ftpErrorCode(error) !== 550 && ftpErrorCode(error) !== 553) throw error;
    await client.remove(to, true);
    await client.rename(from, to);
  }
}
