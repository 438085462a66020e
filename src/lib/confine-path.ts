import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

import { UserError } from '../errors/errors.ts';

function outsideRoot(input: string, why: string): UserError {
  return new UserError('path_outside_root', `Path '${printable(input)}' is outside the root folder (${why})`, {
    details: [{ field: 'path', message: why }],
  });
}

/** Shows a NUL byte as `\0` so the message stays one readable line. */
function printable(input: string): string {
  return input.replaceAll('\0', '\\0');
}

/**
 * Turns a user-given path into its segments relative to a root, refusing anything that could
 * leave the root by its spelling alone: absolute paths (POSIX or Windows style), NUL bytes and
 * `..` that climbs above the root. Both `/` and `\` separate segments so a Windows-style
 * `..\x` is caught on every platform. `''` and `.` are the root itself (no segments).
 */
export function relativeSegments(input: string): string[] {
  if (input.includes('\0')) throw outsideRoot(input, 'contains a NUL byte');
  if (path.posix.isAbsolute(input) || path.win32.isAbsolute(input)) {
    throw outsideRoot(input, 'absolute paths are not allowed');
  }
  const segments: string[] = [];
  for (const segment of input.split(/[\\/]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.pop() === undefined) throw outsideRoot(input, 'climbs above the root with ..');
  }
  return segments;
}

/** The normalized relative spelling of `input` (`a/./b/../c` → `a/c`, root → `''`). */
export function normalizeRelativePath(input: string): string {
  return relativeSegments(input).join('/');
}

function isInside(candidate: string, root: string): boolean {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return candidate === root || candidate.startsWith(prefix);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Resolves `input` under `root` to an absolute path that is guaranteed to stay inside the root
 * (as the file system stands now), following symbolic links segment by segment: a link whose
 * target lies outside the root, or a dangling link (whose target cannot be checked, and which
 * a write would follow), is refused with UserError `path_outside_root`. Segments that do not
 * exist yet are appended as plain names, so the result can be used to create files and folders.
 * `root` must exist; the returned path starts with its real path (links in the root resolved).
 */
export async function confinePath(root: string, input: string): Promise<string> {
  const segments = relativeSegments(input);
  const realRoot = await realpath(root);
  let current = realRoot;
  for (const [index, segment] of segments.entries()) {
    const next = path.join(current, segment);
    let isLink: boolean;
    try {
      isLink = (await lstat(next)).isSymbolicLink();
    } catch (error) {
      // Nothing exists from here on (ENOTDIR: a parent is a file): the rest are new names.
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') {
        return path.join(next, ...segments.slice(index + 1));
      }
      throw error;
    }
    if (!isLink) {
      current = next;
      continue;
    }
    let target: string;
    try {
      // realpath follows the whole chain of links (the kernel stops loops with ELOOP).
      target = await realpath(next);
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ELOOP') {
        throw outsideRoot(input, 'leads through a broken symbolic link');
      }
      throw error;
    }
    if (!isInside(target, realRoot)) throw outsideRoot(input, 'a symbolic link points outside the root');
    current = target;
  }
  return current;
}
