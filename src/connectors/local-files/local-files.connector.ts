import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { LocalFileService } from './local-file-service.ts';
import { type LocalFilesConfig, localFilesConfigSchema } from './local-files.config.ts';

/** 1536 → "1.5 KB": free space reads better rounded. */
function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

async function freeBytes(root: string): Promise<number | undefined> {
  try {
    const fs = await statfs(root);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined; // not every file system reports it; the test does not depend on it
  }
}

/** A local folder: the file-service capability plus the connection test. */
export class LocalFilesConnector extends LocalFileService implements Connector {
  constructor(
    private readonly rootPath: string,
    private readonly config: LocalFilesConfig,
  ) {
    super(rootPath, config.createRoot);
  }

  /** Checks the folder exists (creating it when allowed), is a folder, and is writable. */
  async test(signal: AbortSignal): Promise<TestResult> {
    const root = this.rootPath;
    if (signal.aborted) return abortedResult(signal);
    try {
      const existing = await stat(root).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!existing && !this.config.createRoot) {
        return { ok: false, message: `Folder ${root} does not exist (and createRoot is off)` };
      }
      if (!existing) await mkdir(root, { recursive: true });
      else if (!existing.isDirectory()) return { ok: false, message: `${root} is not a folder` };
      if (signal.aborted) return abortedResult(signal);
      // Writing is the only sure test of permission: access() ignores ACLs and read-only mounts.
      const probe = path.join(root, `.geosync-probe-${randomUUID()}`);
      await writeFile(probe, 'probe');
      await rm(probe, { force: true });
      const free = await freeBytes(root);
      const freeText = free === undefined ? '' : ` (${formatBytes(free)} free)`;
      return {
        ok: true,
        message: `Folder ${root} is writable${freeText}${existing ? '' : '; it was created'}`,
        details: { root, created: !existing, ...(free !== undefined && { freeBytes: free }) },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'is not writable' : 'cannot be used';
      return { ok: false, message: `Folder ${root} ${why}: ${errorMessage(error)}` };
    }
  }

  /** Holds no handles between calls: nothing to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A folder on geosync's machine; the built-in `local` file service is `<dataDir>/files`. */
export const localFilesConnectorType: ConnectorType<LocalFilesConfig> = {
  type: 'local-files',
  kind: 'file_service',
  title: 'Local folder',
  description: 'A folder on the geosync server or a disk mounted on it. Relative paths are inside the data folder.',
  config: localFilesConfigSchema,
  secretFields: [],
  testable: true,
  userCreatable: true,
  create(config, deps) {
    return new LocalFilesConnector(path.resolve(deps.dataDir, config.root), config);
  },
};
