import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { Connector } from '../../connectors/connector.ts';
import { type FileEntry, type FileService, isFileService, isFileServiceGroup } from '../../connectors/file-service.ts';
import type { FileEntryDto, FileListing, FileUploadResult, PrepareReport } from '../../contracts/files.dto.ts';
import { UserError } from '../../errors/errors.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import type { Principal } from '../security/principal.ts';
import { limitBytes } from './byte-limit.ts';
import { runPrepareScript } from './prepare-script.ts';

export interface FilesServiceOptions {
  connections: ConnectionsService;
  /** Absolute data folder: a relative prepare script and the upload scratch folder live there. */
  dataDir: string;
  prepareScript?: string;
  prepareTimeoutSeconds: number;
}

export interface UploadOptions {
  /** Run the prepare script on the file before it is stored. */
  prepare?: boolean;
  /** Fail with `body_too_large` past this many bytes (the API's limit; the CLI sets none). */
  maxBytes?: number;
  signal?: AbortSignal;
}

export type FilesService = ReturnType<typeof createFilesService>;

function toDto(entry: FileEntry): FileEntryDto {
  return {
    path: entry.path,
    name: path.posix.basename(entry.path),
    size: entry.size,
    modified: entry.modified.toISOString(),
    isDirectory: entry.isDirectory,
  };
}

/** The file service of a connector; a multi-bucket connection has no single tree to browse. */
function fileServiceOf(connector: Connector, name: string): FileService {
  if (isFileService(connector)) return connector;
  if (isFileServiceGroup(connector) && connector.members.length === 1) return connector.member(connector.members[0]!);
  if (isFileServiceGroup(connector)) {
    throw new UserError(
      'ambiguous_file_service',
      `Connection '${name}' holds several file services (${connector.members.join(', ')}); browsing and uploading need one`,
    );
  }
  throw new UserError('wrong_connection_type', `Connection '${name}' cannot be used as a file service yet`);
}

/**
 * Browsing and uploading files of file-service connections. Who may: whoever may use the
 * connection (its roles; others get 404 as if it did not exist), the Task Manager's rule for
 * file services. The connection's own settings are never returned.
 */
export function createFilesService(options: FilesServiceOptions) {
  const { connections } = options;

  async function withFileService<T>(
    principal: Principal,
    ref: string,
    fn: (service: FileService, name: string) => Promise<T>,
  ): Promise<T> {
    const connection = await connections.resolve(principal, ref, 'file_service');
    const { connector } = await connections.open(principal, connection.id);
    try {
      return await fn(fileServiceOf(connector, connection.name), connection.name);
    } finally {
      await connector.close().catch(() => undefined);
    }
  }

  /** Spools the upload to a private folder, runs the script on it, stores what it left. */
  async function prepareAndWrite(service: FileService, target: string, body: Readable, signal?: AbortSignal) {
    const scratch = path.join(options.dataDir, 'tmp');
    await mkdir(scratch, { recursive: true });
    const dir = await mkdtemp(path.join(scratch, 'upload-'));
    // The script sees the upload's own file name: tools such as GDAL go by the extension.
    const file = path.join(dir, path.posix.basename(target));
    try {
      await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal });
      const script = path.resolve(options.dataDir, options.prepareScript!);
      const report = await runPrepareScript(script, file, { timeoutMs: options.prepareTimeoutSeconds * 1000 });
      const kept = await stat(file).then(
        () => true,
        () => false,
      );
      if (!kept) {
        throw new UserError('prepare_failed', 'The prepare script removed the uploaded file; nothing was uploaded');
      }
      await service.write(target, createReadStream(file), signal);
      return report;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    /** The direct children of `dir` (`''` = the root). */
    async list(principal: Principal, ref: string, dir = ''): Promise<FileListing> {
      const folder = normalizeRelativePath(dir);
      return withFileService(principal, ref, async (service, name) => {
        const entries = await service.list(folder);
        return { connection: name, path: folder, items: entries.map(toDto) };
      });
    },

    /**
     * Stores `body` at `filePath`, replacing a file there. With `prepare`, the prepare script
     * runs first and nothing is stored when it fails. Input is checked before the body is read.
     */
    async upload(
      principal: Principal,
      ref: string,
      filePath: string,
      body: Readable,
      upload: UploadOptions = {},
    ): Promise<FileUploadResult> {
      const target = normalizeRelativePath(filePath);
      if (target === '') {
        throw new UserError('invalid_input', 'The path must name a file, not the root folder', {
          details: [{ field: 'path', message: 'names the root folder' }],
        });
      }
      if (upload.prepare && !options.prepareScript) {
        throw new UserError('prepare_not_configured', 'No prepare script is configured (setting files.prepareScript)', {
          details: [{ field: 'prepare', message: 'no prepare script is configured' }],
        });
      }
      const limited = upload.maxBytes === undefined ? body : limitBytes(body, upload.maxBytes);
      return withFileService(principal, ref, async (service, name) => {
        let prepare: PrepareReport | undefined;
        if (upload.prepare) prepare = await prepareAndWrite(service, target, limited, upload.signal);
        else await service.write(target, limited, upload.signal);
        const stored = await service.stat(target);
        return { connection: name, file: toDto(stored), ...(prepare && { prepare }) };
      });
    },
  };
}
