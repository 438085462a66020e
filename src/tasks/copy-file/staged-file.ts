import { randomUUID } from 'node:crypto';
import path from 'node:path';

import { z } from 'zod';

import { UnexpectedError } from '../../errors/errors.ts';
import type { StagedObject } from '../task-type.ts';

/** The ledger kind of a file a task copies or writes; other task types find it by this kind. */
export const STAGED_FILE_KIND = 'file';

/** The name a staged file is recorded under: `<file service>:<final path>`. */
export const stagedFileName = (service: string, filePath: string): string => `${service}:${filePath}`;

/**
 * What commit and rollback need, recorded before the file is written.
 * - `replace`: the copy sits at `temp` next to `target`; commit renames it onto the target,
 *   rollback removes it. The old target stays untouched until commit.
 * - `version`: the copy is the new version `target`; commit removes `previous` (the version
 *   that was the latest when the run started), rollback removes `target`.
 */
export const stagedFileDataSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('replace'), service: z.string(), target: z.string(), temp: z.string() }),
  z.object({ mode: z.literal('version'), service: z.string(), target: z.string(), previous: z.string().nullable() }),
]);
export type StagedFileData = z.infer<typeof stagedFileDataSchema>;

export function stagedFileData(object: StagedObject): StagedFileData {
  const parsed = stagedFileDataSchema.safeParse(object.data);
  if (!parsed.success) {
    throw new UnexpectedError(
      'bad_staged_file',
      `Staged file '${object.name}' has unreadable data: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/**
 * A hidden name next to `target` for the staged copy: same folder (so it stays on the same
 * disk or bucket), dot-prefixed (hidden in
 * most file browsers) and unique, so two runs never share one.
 */
export function tempNameFor(target: string): string {
  const dir = path.posix.dirname(target);
  const name = `.${path.posix.basename(target)}.${randomUUID().slice(0, 8)}.geosync-staged`;
  return dir === '.' ? name : `${dir}/${name}`;
}
