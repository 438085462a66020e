import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { Attributes, SFTPWrapper } from 'ssh2';

import { OperationalError, UserError } from '../../errors/errors.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';
import { type FileEntry, type FileService, fileNotFound, existsByStat } from '../file-service.ts';
import { STATUS_CODE, sftpCode, sftpError } from './sftp-errors.ts';
import { call, openSftpSession, type SftpSession } from './sftp-session.ts';
import type { SftpConfig } from './sftp.config.ts';

const isDir = (attrs: Attributes) => (attrs.mode & 0o170000) === 0o040000;
const isLink = (attrs: Attributes) => (attrs.mode & 0o170000) === 0o120000;

const entry = (rel: string, attrs: Attributes): FileEntry => ({
  path: rel,
  size: isDir(attrs) ? 0 : attrs.size,
  modified: new Date(attrs.mtime * 1000),
  isDirectory: isDir(attrs),
});

const child = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);

function isAFolder(relPath: string): UserError {
  return new UserError('is_a_directory', `'${relPath}' is a folder, not a file`);
}

/**
 * A folder on an SFTP server as a FileService, over one SSH connection (SFTP requests are
 * pipelined, so concurrent operations need no queue). Paths are confined by their spelling;
 * where links on the server point is left to the server's own access rules.
 */
export class SftpFileService implements FileService {
  private session: Promise<SftpSession> | undefined;

  constructor(protected readonly config: SftpConfig) {}

  /** The server path of `rel`; a relative root stays relative, i.e. below the login folder. */
  private remote(rel: string): string {
    return path.posix.join(this.config.root, rel);
  }

  /** The shared session, opened on first use and again after the connection dropped. */
  private async sftp(): Promise<SFTPWrapper> {
    if (!this.session) {
      const opening = openSftpSession(this.config);
      this.session = opening;
      opening.then(
        ({ client }) => client.on('close', () => this.session === opening && (this.session = undefined)),
        () => this.session === opening && (this.session = undefined),
      );
    }
    return (await this.session).sftp;
  }

  /** Runs `fn` with the SFTP channel; failures come out as geosync errors about `rel`. */
  private async on<T>(rel: string, fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.sftp());
    } catch (error) {
      throw sftpError(error, rel);
    }
  }

  async list(dir = ''): Promise<FileEntry[]> {
    const rel = normalizeRelativePath(dir);
    const remote = this.remote(rel);
    const names = await this.on(rel, async (sftp) => {
      if (!isDir(await call<Attributes>((cb) => sftp.stat(remote, cb)))) throw fileNotFound(rel);
      return call<{ filename: string; attrs: Attributes }[]>((cb) => sftp.readdir(remote, cb));
    });
    const entries: FileEntry[] = [];
    for (const { filename, attrs } of names) {
      if (filename === '.' || filename === '..') continue;
      // READDIR shows a link itself: show what it points to, and skip it when that is gone.
      const shown = isLink(attrs) ? await this.stat(child(rel, filename)).catch(() => undefined) : undefined;
      if (!isLink(attrs)) entries.push(entry(child(rel, filename), attrs));
      else if (shown) entries.push(shown);
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async stat(relPath: string): Promise<FileEntry> {
    const rel = normalizeRelativePath(relPath);
    const attrs = await this.on(rel, (sftp) => call<Attributes>((cb) => sftp.stat(this.remote(rel), cb)));
    return entry(rel, attrs);
  }

  async read(relPath: string): Promise<Readable> {
    const rel = normalizeRelativePath(relPath);
    return this.on(rel, async (sftp) => {
      const handle = await call<Buffer>((cb) => sftp.open(this.remote(rel), 'r', cb));
      // Opening a folder may succeed (it does on Linux): fail now, not on the first read.
      if (isDir(await call<Attributes>((cb) => sftp.fstat(handle, cb)))) {
        await call((cb) => sftp.close(handle, cb));
        throw isAFolder(rel);
      }
      const stream = sftp.createReadStream(this.remote(rel), { handle, autoClose: true });
      // A stream of our own in front: when the connection is lost, ssh2's stream cannot end
      // (it waits for an answer to closing its handle), this one can.
      const body = new PassThrough();
      const lost = whenLost(sftp);
      lost.signal.addEventListener('abort', () => body.destroy(lost.signal.reason as Error));
      stream.on('error', (error: Error) => body.destroy(sftpError(error, rel) as Error));
      body.once('close', () => {
        lost.release();
        if (!stream.destroyed) stream.destroy();
      });
      return stream.pipe(body);
    });
  }

  /** Uploads under a temporary name in the target's folder, then renames it into place. */
  async write(relPath: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw isAFolder(rel);
    const target = this.remote(rel);
    const temp = path.posix.join(
      path.posix.dirname(target),
      `.${path.posix.basename(target)}.${randomUUID().slice(0, 8)}.partial`,
    );
    await this.on(rel, async (sftp) => {
      await makeFolders(sftp, this.config.root, path.posix.dirname(rel));
      const lost = whenLost(sftp);
      try {
        const stop = signal ? AbortSignal.any([signal, lost.signal]) : lost.signal;
        await untilLost(pipeline(body, sftp.createWriteStream(temp, { flags: 'wx' }), { signal: stop }), lost.signal);
        await replace(sftp, temp, target);
      } catch (error) {
        if (lost.signal.aborted) throw lost.signal.reason;
        await call((cb) => sftp.unlink(temp, cb)).catch(() => undefined);
        throw error;
      } finally {
        lost.release();
      }
    });
  }

  /**
   * OpenSSH's posix-rename where the server offers it (atomic, replaces the target); plain SFTP
   * v3 RENAME refuses an existing target, so there the target is removed first (not atomic).
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
    await this.on(to, (sftp) => makeFolders(sftp, this.config.root, path.posix.dirname(to)));
    await this.on(from, (sftp) => replace(sftp, this.remote(from), this.remote(to)));
  }

  async remove(relPath: string): Promise<void> {
    const rel = normalizeRelativePath(relPath);
    if (rel === '') throw new UserError('cannot_remove_root', 'The root folder of a file service cannot be removed');
    await this.on(rel, (sftp) => removeTree(sftp, this.remote(rel)));
  }

  exists(relPath: string): Promise<boolean> {
    return existsByStat(this, relPath);
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    (await session?.catch(() => undefined))?.client.end();
  }
}

/**
 * A signal fired when the SFTP channel closes. ssh2 fails the requests waiting for an answer
 * then, but leaves requests sent afterwards waiting forever: a transfer must stop on it.
 */
function whenLost(sftp: SFTPWrapper): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onClose = () =>
    controller.abort(new OperationalError('connection_lost', 'The SFTP connection closed during the transfer'));
  sftp.once('close', onClose);
  return { signal: controller.signal, release: () => sftp.removeListener('close', onClose) };
}

/** `work`, or the reason of `lost` as soon as it fires (`work` may then never settle). */
function untilLost<T>(work: Promise<T>, lost: AbortSignal): Promise<T> {
  work.catch(() => undefined); // its failure after a loss is no news
  return new Promise<T>((resolve, reject) => {
    if (lost.aborted) return reject(lost.reason as Error);
    lost.addEventListener('abort', () => reject(lost.reason as Error), { once: true });
    work.then(resolve, reject);
  });
}

/** `mkdir -p` of `rel` below `root`, tolerating folders that exist or appear meanwhile. */
async function makeFolders(sftp: SFTPWrapper, root: string, rel: string): Promise<void> {
  let current = root;
  for (const segment of rel === '.' ? [] : rel.split('/')) {
    current = path.posix.join(current, segment);
    const exists = await call<Attributes>((cb) => sftp.stat(current, cb)).then(isDir, () => undefined);
    if (exists === false) throw fileNotFound(rel); // a file stands where a folder should be
    if (exists === undefined) {
      await call((cb) => sftp.mkdir(current, cb)).catch(async (error: unknown) => {
        if (!isDir(await call<Attributes>((cb) => sftp.stat(current, cb)))) throw error;
      });
    }
  }
}

/**
 * Renames `from` onto `to`, replacing it. OpenSSH's posix-rename extension does that atomically;
 * plain SFTP v3 refuses an existing target, so without the extension the target is removed
 * first (the only way there, and not atomic).
 */
async function replace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  const posixRenamed = posixRename(sftp, from, to);
  if (posixRenamed) return posixRenamed;
  try {
    await call((cb) => sftp.rename(from, to, cb));
  } catch (error) {
    // FAILURE is also what other refusals get: only an existing target is worth a retry.
    const taken = await call<Attributes>((cb) => sftp.lstat(to, cb)).then(
      () => true,
      () => false,
    );
    if (sftpCode(error) !== STATUS_CODE.FAILURE || !taken) throw error;
    await call((cb) => sftp.unlink(to, cb));
    await call((cb) => sftp.rename(from, to, cb));
  }
}

/** OpenSSH's replacing rename, or undefined when the server does not offer it. */
function posixRename(sftp: SFTPWrapper, from: string, to: string): Promise<void> | undefined {
  let settle: (error: Error | undefined) => void = () => undefined;
  const renamed = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  try {
    sftp.ext_openssh_rename(from, to, (error) => settle(error ?? undefined));
  } catch {
    return undefined; // ssh2 throws at once when the server lacks the extension
  }
  return renamed;
}

/** Removes a file, a link (never what it points to) or a folder with its content; missing: done. */
async function removeTree(sftp: SFTPWrapper, remote: string): Promise<void> {
  const attrs = await call<Attributes>((cb) => sftp.lstat(remote, cb)).catch((error: unknown) => {
    if (sftpCode(error) === STATUS_CODE.NO_SUCH_FILE) return undefined;
    throw error;
  });
  if (!attrs) return;
  if (!isDir(attrs)) return call((cb) => sftp.unlink(remote, cb));
  const names = await call<{ filename: string }[]>((cb) => sftp.readdir(remote, cb));
  for (const { filename } of names) {
    if (filename !== '.' && filename !== '..') await removeTree(sftp, path.posix.join(remote, filename));
  }
  await call((cb) => sftp.rmdir(remote, cb));
}
