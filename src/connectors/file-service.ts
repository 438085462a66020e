import type { Readable } from 'node:stream';

import { isGeosyncError, UserError } from '../errors/errors.ts';
import type { Connector } from './connector.ts';

/** One file or folder in a file service; `path` is relative to the service's root, `/`-separated. */
export interface FileEntry {
  path: string;
  size: number;
  modified: Date;
  isDirectory: boolean;
}

/**
 * The file-service capability: a folder tree on a local disk, an S3 bucket, an FTP or SFTP
 * server. Every path is relative to the service's root, uses `/`, and may not leave the root
 * (`..` climbing out, absolute paths, NUL bytes, links pointing outside are refused with
 * UserError `path_outside_root`). `''` is the root itself. Tasks depend on this interface,
 * never on a concrete connector.
 */
export interface FileService {
  /** Direct children of `dir` (not recursive), sorted by path. Missing folder: `file_not_found`. */
  list(dir?: string): Promise<FileEntry[]>;
  /** Missing path: UserError `file_not_found` (404). */
  stat(path: string): Promise<FileEntry>;
  /** Opens the file; fails before returning (not mid-stream) when it is missing. */
  read(path: string): Promise<Readable>;
  /**
   * Writes the whole stream, then makes it visible at once (readers never see half a file);
   * creates missing parent folders; replaces an existing file.
   */
  write(path: string, body: Readable, signal?: AbortSignal): Promise<void>;
  /**
   * Moves file `from` to `to` within the service, replacing an existing file there and creating
   * missing parent folders of `to`. Atomic where the backend allows it (a local disk, SFTP with
   * OpenSSH's posix-rename, FTP servers that replace on RNTO): readers of `to` see the old file
   * or the new one, never neither. S3 has no rename: it copies, then deletes the source (the
   * target still appears whole at once, but both exist for a moment). Missing `from`:
   * `file_not_found`; a folder as `from` or `to`: `is_a_directory`; `from` equal to `to`:
   * nothing to do. Both paths are confined like every other path.
   */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file, or a folder with its content. Missing already: nothing to do (idempotent). */
  remove(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /**
   * Where the file is on geosync's own host (an absolute path, confined like every other path),
   * for a program on this host that reads files by path, such as a MapServer publishing a
   * GeoTIFF where it lies. Only services on a local disk have it; others are read with `read`.
   */
  localPath?(path: string): Promise<string>;
}

/** Narrows a connector to the file-service capability, for callers holding a plain Connector. */
export function isFileService(connector: Connector): connector is Connector & FileService {
  const c = connector as Partial<FileService>;
  return ['list', 'stat', 'read', 'write', 'rename', 'remove', 'exists'].every(
    (m) => typeof c[m as keyof FileService] === 'function',
  );
}

/** The one error every file service raises for a missing file or folder. */
export function fileNotFound(path: string): UserError {
  return new UserError('file_not_found', `File '${path}' does not exist`, {
    status: 404,
    details: [{ field: 'path', message: 'does not exist' }],
  });
}

/**
 * A connection that holds several file services, such as an S3 connection with several buckets:
 * each member is reached as `<connection>-<member>` (the Task Manager's `alias-bucket` naming).
 */
export interface FileServiceGroup {
  readonly members: readonly string[];
  /** Unknown member: UserError `file_service_not_found`. */
  member(name: string): FileService;
}

export function isFileServiceGroup(connector: Connector): connector is Connector & FileServiceGroup {
  const c = connector as Partial<FileServiceGroup>;
  return Array.isArray(c.members) && typeof c.member === 'function';
}

/** `exists` as every file service answers it: its own `stat`, with `file_not_found` meaning no. */
export async function existsByStat(service: Pick<FileService, 'stat'>, path: string): Promise<boolean> {
  try {
    await service.stat(path);
    return true;
  } catch (error) {
    if (isGeosyncError(error) && error.code === 'file_not_found') return false;
    throw error;
  }
}
