/**
 * The three file algorithms of LizSync's "03 GeoPoppy file synchronization", as thin uses of
 * syncFolder: projects and files from the central to a clone (adapted to the clone's database),
 * from a data manager's folder to a clone (as they are), and field media back to the central.
 */
import { createHash } from 'node:crypto';

import type { FileService } from '../../../connectors/file-service.ts';
import type { CentralDatabase, CloneDatabase } from './datasource.ts';
import { inside, normalizeDir } from './folder-tree.ts';
import { isQgisProjectFile, type ProjectRewrite, rewriteQgisProject } from './qgis-project.ts';
import { type FileRewriter, type FileSyncReport, syncFolder } from './sync-folder.ts';

export const MEDIA_UPLOAD_DIR = 'media/upload';

interface CommonOptions {
  /** The node the files come from, as it appears in conflict copies (see syncFolder). */
  node: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Adapts `.qgs`/`.qgz` projects to the clone's database on their way (qgis-project.ts). */
export function projectRewriter(rewrite: ProjectRewrite): FileRewriter {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([rewrite.central, rewrite.clone]))
    .digest('hex')
    .slice(0, 16);
  return {
    appliesTo: isQgisProjectFile,
    rewrite: (path, content) => {
      const result = rewriteQgisProject(path, content, rewrite);
      return result.content === content ? undefined : result;
    },
    fingerprint,
  };
}

export type GetProjectsOptions = CommonOptions & {
  exclude?: string[];
} & (
    | { rewriteTo: CloneDatabase; centralDatabase: CentralDatabase }
    | { rewriteTo?: undefined; centralDatabase?: undefined }
  );

/**
 * Central file service → clone folder. With `rewriteTo`, every `.qgs`/`.qgz` copied has its
 * PostgreSQL layers on `centralDatabase` pointed at the clone's database, passwords removed.
 */
export function getProjectsAndFiles(
  central: FileService,
  centralDir: string,
  clone: FileService,
  cloneDir: string,
  options: GetProjectsOptions,
): Promise<FileSyncReport> {
  const rewrite =
    options.rewriteTo === undefined
      ? undefined
      : projectRewriter({ central: options.centralDatabase, clone: options.rewriteTo });
  return syncFolder(central, clone, {
    sourceDir: centralDir,
    targetDir: cloneDir,
    exclude: options.exclude,
    node: options.node,
    rewrite,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** A data manager's project folder → a clone's file service, projects as they are (the seed's rule). */
export function sendProjectsAndFiles(
  local: FileService,
  localDir: string,
  clone: FileService,
  cloneDir: string,
  options: CommonOptions & { exclude?: string[] },
): Promise<FileSyncReport> {
  return syncFolder(local, clone, {
    sourceDir: localDir,
    targetDir: cloneDir,
    exclude: options.exclude,
    node: options.node,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/**
 * The clone's `media/upload/` → the central's `media/upload/` (photos from field forms): new files
 * are sent; a file of the same name already at the central is never replaced, a different one
 * gets a conflict copy. A clone without the folder has nothing to send.
 */
export async function sendMedia(
  clone: FileService,
  cloneProjectDir: string,
  central: FileService,
  centralDir: string,
  options: CommonOptions,
): Promise<FileSyncReport> {
  const sourceDir = inside(normalizeDir(cloneProjectDir), MEDIA_UPLOAD_DIR);
  if (!(await clone.exists(sourceDir))) {
    options.onProgress?.(0, 0);
    return { copied: [], unchanged: 0, conflicts: [], excluded: [], missingAtSource: [], rewritten: [], bytes: 0 };
  }
  return syncFolder(clone, central, {
    sourceDir,
    targetDir: inside(normalizeDir(centralDir), MEDIA_UPLOAD_DIR),
    node: options.node,
    neverOverwrite: true,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}
