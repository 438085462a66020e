import { UserError } from '../../../errors/errors.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HHmmss` in UTC: sortable, and free of characters file systems refuse (`:`). */
export function conflictStamp(at: Date): string {
  const date = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
  return `${date} ${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`;
}

/** The node's name as it may appear in a file name: no separators, no control characters. */
export function checkNodeName(node: string): string {
  const safe = node.trim().replace(/[^\p{L}\p{N}._-]+/gu, '_');
  if (safe === '' || /^[._]+$/.test(safe)) {
    throw new UserError('dbsync_invalid_node', `${JSON.stringify(node)} cannot name a node in conflict copies`, {
      details: [{ field: 'node', message: 'needs letters or digits' }],
    });
  }
  return safe;
}

/**
 * Where the incoming version of `rel` is kept when the target's own version stays:
 * `dir/name (conflict <node> <YYYY-MM-DD HHmmss>).ext`, then ` 2`, ` 3`… inside the brackets when
 * taken. `taken` answers for the candidate path.
 */
export async function conflictPath(
  rel: string,
  node: string,
  at: Date,
  taken: (candidate: string) => Promise<boolean>,
): Promise<string> {
  const slash = rel.lastIndexOf('/');
  const folder = rel.slice(0, slash + 1);
  const name = rel.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  // A leading dot (".env") starts a name, not an extension.
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const base = `conflict ${node} ${conflictStamp(at)}`;
  for (let n = 1; ; n++) {
    const candidate = `${folder}${stem} (${n === 1 ? base : `${base} ${n}`})${ext}`;
    if (!(await taken(candidate))) return candidate;
  }
}
