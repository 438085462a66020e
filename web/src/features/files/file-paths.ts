/**
 * Paths inside a file service as the UI spells them: relative to its root, `/`-separated, `''`
 * for the root. Pure functions, no React.
 */

/** The Files page of a connection, opened at `folder`. */
export function filesPagePath(connectionId: string, folder = ''): string {
  const base = `/connections/${encodeURIComponent(connectionId)}/files`;
  return folder ? `${base}?path=${encodeURIComponent(folder)}` : base;
}

/** `a/b` + `c.txt` → `a/b/c.txt`; extra slashes between them are dropped. */
export function joinPath(folder: string, name: string): string {
  const tail = name.replace(/^\/+/, '');
  return folder ? `${folder.replace(/\/+$/, '')}/${tail}` : tail;
}

/** The folder holding `path` (`''` for the root's children and the root itself). */
export function parentPath(path: string): string {
  const index = path.replace(/\/+$/, '').lastIndexOf('/');
  return index < 0 ? '' : path.slice(0, index);
}

export interface Crumb {
  name: string;
  path: string;
}

/** `a/b` → `[a → 'a', b → 'a/b']` (the root is not included). */
export function crumbsOf(path: string): Crumb[] {
  const segments = path.split('/').filter(Boolean);
  return segments.map((name, index) => ({ name, path: segments.slice(0, index + 1).join('/') }));
}

const sizeUnits = ['KB', 'MB', 'GB', 'TB'];

/** `1536` → `1.5 KB` (1 KB = 1024 bytes); whole bytes below 1 KB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < sizeUnits.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${sizeUnits[unit]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A modification time as the user's locale writes it; the ISO text when it cannot be read. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}
