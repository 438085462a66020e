/** What the three file sync task types share: parsing, the run's checks, the marker. */
import type { z } from 'zod';

import { normalizeExclude } from '../../domain/dbsync/files/folder-tree.ts';
import { invalidInput } from '../../errors/zod-details.ts';
import type { TaskRunContext } from '../task-type.ts';
import { type Marker, stageMarker } from './dbsync-marker.ts';
import { listParameter, taskDeps } from './dbsync-task-context.ts';

type FileMarker = Extract<Marker, { op: 'files-get' | 'files-send' | 'files-media' }>;

/**
 * Checks the request (its schema, excluded folders, that every connection opens) and stages the
 * marker named after the destination. The files move at commit.
 */
export async function stageFileSync<S extends z.ZodType>(
  ctx: TaskRunContext,
  op: FileMarker['op'],
  schema: S,
  request: Record<string, unknown>,
  destination: string,
): Promise<z.infer<S>> {
  const parsed = schema.safeParse(request);
  if (!parsed.success) throw invalidInput(parsed.error, `${op} parameters`);
  const data = parsed.data as Record<string, unknown>;
  normalizeExclude((data['exclude'] as string[] | undefined) ?? []);
  const { connections } = taskDeps(ctx);
  for (const key of ['centralFiles', 'cloneFiles', 'localFiles']) {
    if (typeof data[key] === 'string') await connections.fileService(data[key]);
  }
  for (const key of ['centralDatabase', 'cloneDatabase']) {
    if (typeof data[key] === 'string') await connections.database(data[key]);
  }
  await stageMarker(ctx, destination, { op, ...data } as FileMarker);
  return parsed.data;
}

export const excludeParameter = (value: string | undefined): string[] => listParameter(value);
