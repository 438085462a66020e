import path from 'node:path';

import type { FileService } from '../../connectors/file-service.ts';
import { UserError } from '../../errors/errors.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';

/** Where the version number goes in a versioned path (the Task Manager's placeholder). */
export const VERSION_PLACEHOLDER = '###';

/** The first version a versioned target gets when none exists yet. */
export const FIRST_VERSION = 1;

/** A versioned path split around its placeholder: version `n` is `dir/prefix<n>suffix`. */
export interface VersionPattern {
  dir: string;
  prefix: string;
  suffix: string;
}

export interface FileVersion {
  version: number;
  path: string;
}

function invalidPattern(input: string, why: string): UserError {
  return new UserError('invalid_versioned_path', `Path '${input}': ${why}`, {
    details: [{ field: 'path', message: why }],
  });
}

/** `roads.tif` → `roads.###.tif`; `README` → `README.###` (a leading dot is not an extension). */
function insertPlaceholder(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return `${fileName}.${VERSION_PLACEHOLDER}`;
  return `${fileName.slice(0, dot)}.${VERSION_PLACEHOLDER}${fileName.slice(dot)}`;
}

/**
 * The version pattern of `input`, or null when the path is not versioned. A path is versioned
 * when it holds `###` (once, in the file name: a version is a file, not a folder) or when
 * `autoVersioned` is set, which inserts `.###` before the file name's extension. The path is
 * normalized first, so a path climbing out of the root fails here with `path_outside_root`.
 */
export function versionPattern(input: string, autoVersioned: boolean): VersionPattern | null {
  const normalized = normalizeRelativePath(input);
  if (normalized === '') throw invalidPattern(input, 'names the root folder, not a file');
  const dir = path.posix.dirname(normalized) === '.' ? '' : path.posix.dirname(normalized);
  let fileName = path.posix.basename(normalized);
  if (dir.includes(VERSION_PLACEHOLDER)) throw invalidPattern(input, `${VERSION_PLACEHOLDER} must be in the file name`);
  const count = fileName.split(VERSION_PLACEHOLDER).length - 1;
  if (count > 1) throw invalidPattern(input, `${VERSION_PLACEHOLDER} may appear only once`);
  if (count === 0 && !autoVersioned) return null;
  if (count === 0) fileName = insertPlaceholder(fileName);
  const at = fileName.indexOf(VERSION_PLACEHOLDER);
  return { dir, prefix: fileName.slice(0, at), suffix: fileName.slice(at + VERSION_PLACEHOLDER.length) };
}

export function versionPath(pattern: VersionPattern, version: number): string {
  const fileName = `${pattern.prefix}${version}${pattern.suffix}`;
  return pattern.dir ? `${pattern.dir}/${fileName}` : fileName;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The existing versions of a pattern, lowest first. Gaps are normal (versions removed by hand
 * or by earlier commits); a missing folder means no version yet.
 */
export async function listVersions(service: FileService, pattern: VersionPattern): Promise<FileVersion[]> {
  const entries = await service.list(pattern.dir).catch((error: unknown) => {
    if ((error as UserError).code === 'file_not_found') return [];
    throw error;
  });
  // At most 15 digits: larger numbers would lose precision as JavaScript numbers.
  const matcher = new RegExp(`^${escapeRegExp(pattern.prefix)}(\\d{1,15})${escapeRegExp(pattern.suffix)}$`);
  const versions: FileVersion[] = [];
  for (const entry of entries) {
    const match = matcher.exec(path.posix.basename(entry.path));
    if (match && !entry.isDirectory) versions.push({ version: Number(match[1]), path: entry.path });
  }
  return versions.sort((a, b) => a.version - b.version);
}

/** The highest existing version, if any. */
export async function latestVersion(service: FileService, pattern: VersionPattern): Promise<FileVersion | undefined> {
  return (await listVersions(service, pattern)).at(-1);
}
