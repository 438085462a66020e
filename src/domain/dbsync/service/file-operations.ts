/** The three file algorithms (files/project-files.ts) over named connections. */
import type {
  DbSyncFilesGetRequest,
  DbSyncFilesMediaRequest,
  DbSyncFilesSendRequest,
} from '../../../contracts/dbsync.dto.ts';
import type { DbSyncFilesResult } from '../../../contracts/dbsync-results.dto.ts';
import type { CentralDatabase, CloneDatabase } from '../files/datasource.ts';
import { getProjectsAndFiles, MEDIA_UPLOAD_DIR, sendMedia, sendProjectsAndFiles } from '../files/project-files.ts';
import type { FileSyncReport } from '../files/sync-folder.ts';
import type { OperationDeps } from './operations.ts';

export type FileProgress = (done: number, total: number) => void;

const place = (connection: string, dir: string) => `${connection}:${dir.replace(/^\/+|\/+$/g, '') || '/'}`;

const result = (from: string, to: string, report: FileSyncReport): DbSyncFilesResult => ({ from, to, ...report });

/**
 * Where projects point now and where they should point: both from database connections, so a
 * clone's projects get its host, port, database and user, and never a password.
 */
async function projectRewrite(
  deps: OperationDeps,
  centralName: string,
  cloneName: string,
): Promise<{ centralDatabase: CentralDatabase; rewriteTo: CloneDatabase }> {
  const central = (await deps.connections.database(centralName)).libpqParams!();
  const clone = (await deps.connections.database(cloneName)).libpqParams!();
  return {
    centralDatabase: { host: central.host, port: central.port, dbname: central.database },
    rewriteTo: { host: clone.host, port: clone.port, dbname: clone.database, user: clone.user },
  };
}

/** Central file service → clone folder; QGIS projects rewritten when both databases are named. */
export async function getFiles(deps: OperationDeps, input: DbSyncFilesGetRequest, onProgress?: FileProgress) {
  const { centralDir, cloneDir } = input;
  const central = await deps.connections.fileService(input.centralFiles);
  const clone = await deps.connections.fileService(input.cloneFiles);
  const rewrite =
    input.centralDatabase !== undefined && input.cloneDatabase !== undefined
      ? await projectRewrite(deps, input.centralDatabase, input.cloneDatabase)
      : {};
  const report = await getProjectsAndFiles(central, centralDir, clone, cloneDir, {
    node: input.centralFiles,
    exclude: input.exclude,
    signal: deps.signal,
    onProgress,
    ...rewrite,
  });
  return result(place(input.centralFiles, centralDir), place(input.cloneFiles, cloneDir), report);
}

/** A data manager's folder → a clone's file service, projects as they are. */
export async function sendFiles(deps: OperationDeps, input: DbSyncFilesSendRequest, onProgress?: FileProgress) {
  const { localDir, cloneDir } = input;
  const local = await deps.connections.fileService(input.localFiles);
  const clone = await deps.connections.fileService(input.cloneFiles);
  const report = await sendProjectsAndFiles(local, localDir, clone, cloneDir, {
    node: input.localFiles,
    exclude: input.exclude,
    signal: deps.signal,
    onProgress,
  });
  return result(place(input.localFiles, localDir), place(input.cloneFiles, cloneDir), report);
}

/** The clone's `media/upload/` → the central's, never replacing a file there. */
export async function sendMediaFiles(deps: OperationDeps, input: DbSyncFilesMediaRequest, onProgress?: FileProgress) {
  const { cloneDir, centralDir } = input;
  const clone = await deps.connections.fileService(input.cloneFiles);
  const central = await deps.connections.fileService(input.centralFiles);
  const report = await sendMedia(clone, cloneDir, central, centralDir, {
    node: input.cloneFiles,
    signal: deps.signal,
    onProgress,
  });
  const media = (dir: string) => [dir.replace(/^\/+|\/+$/g, ''), MEDIA_UPLOAD_DIR].filter(Boolean).join('/');
  return result(place(input.cloneFiles, media(cloneDir)), place(input.centralFiles, media(centralDir)), report);
}
