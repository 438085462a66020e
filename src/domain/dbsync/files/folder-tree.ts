import { isGeosyncError, UserError } from '../../../errors/errors.ts';
import type { FileEntry, FileService } from '../../../connectors/file-service.ts';

/** Deeper than this is a link loop on a local disk, not a project folder. */
const MAX_DEPTH = 64;

/** `dir` without leading or trailing slashes (`''` is the service's root). */
export const normalizeDir = (dir: string): string => dir.replace(/^\/+|\/+$/g, '');

/** A path inside `dir`. */
export const inside = (dir: string, rel: string): string => (dir && rel ? `${dir}/${rel}` : dir || rel);

export const parentOf = (rel: string): string => rel.slice(0, Math.max(rel.lastIndexOf('/'), 0));

/**
 * Excluded sub-folders, relative to the synced folders. They name folders inside, so one climbing
 * out (`..`) is refused rather than cleaned; `./` and surrounding slashes are tolerated.
 */
export function normalizeExclude(exclude: readonly string[]): Set<string> {
  const result = new Set<string>();
  for (const raw of exclude) {
    const segments = raw
      .trim()
      .split('/')
      .filter((s) => s !== '' && s !== '.');
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    const bad = segments.length === 0 || segments.some((s) => s === '..' || /[\u0000-\u001f\\]/.test(s));
    if (bad) {
      throw new UserError(
        'dbsync_invalid_exclude',
        `Excluded folder ${JSON.stringify(raw)} must be a sub-folder path inside the synced folder`,
        { details: [{ field: 'exclude', message: `${JSON.stringify(raw)} is not a sub-folder path` }] },
      );
    }
    result.add(segments.join('/'));
  }
  return result;
}

export interface FolderTree {
  /** Files by path relative to the listed folder, in path order. */
  files: Map<string, FileEntry>;
  /** Folders entered, relative (`''` first). */
  folders: string[];
  /** Excluded paths found (not entered). */
  excluded: string[];
}

const abortIf = (signal: AbortSignal | undefined) => signal?.throwIfAborted();

/** Every file below `dir`, skipping `exclude` (relative paths) without entering them. */
export async function listTree(
  service: FileService,
  dir: string,
  exclude: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<FolderTree> {
  const tree: FolderTree = { files: new Map(), folders: [], excluded: [] };
  const visit = async (rel: string, depth: number): Promise<void> => {
    abortIf(signal);
    if (depth > MAX_DEPTH) {
      throw new UserError('dbsync_folder_too_deep', `'${inside(dir, rel)}' is more than ${MAX_DEPTH} folders deep`);
    }
    tree.folders.push(rel);
    for (const entry of await listChildren(service, dir, rel)) {
      const childRel = entry.rel;
      if (exclude.has(childRel)) tree.excluded.push(childRel);
      else if (entry.isDirectory) await visit(childRel, depth + 1);
      else tree.files.set(childRel, entry);
    }
  };
  await visit('', 0);
  tree.files = new Map([...tree.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return tree;
}

/** The direct children of `dir/rel`, with their path relative to `dir`. */
export async function listChildren(
  service: FileService,
  dir: string,
  rel: string,
): Promise<Array<FileEntry & { rel: string }>> {
  const folder = inside(dir, rel);
  const prefix = folder ? `${folder}/` : '';
  const entries = await service.list(folder);
  return entries.flatMap((entry) => {
    // A service answers with paths below the folder asked for; anything else is not followed.
    if (!entry.path.startsWith(prefix) || entry.path.length === prefix.length) return [];
    const name = entry.path.slice(prefix.length);
    if (name.includes('/') || name === '.' || name === '..') return [];
    return [{ ...entry, rel: rel ? `${rel}/${name}` : name }];
  });
}

/** Like listChildren, but a folder missing at the target is simply empty. */
export async function listChildrenIfAny(
  service: FileService,
  dir: string,
  rel: string,
): Promise<Array<FileEntry & { rel: string }>> {
  try {
    return await listChildren(service, dir, rel);
  } catch (error) {
    if (isGeosyncError(error) && error.code === 'file_not_found') return [];
    throw error;
  }
}
