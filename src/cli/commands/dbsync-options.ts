/** Option parsing shared by the `geosync dbsync` commands. */
import type { z } from 'zod';

import { invalidInput } from '../../errors/zod-details.ts';

export const collect = (value: string, previous: string[] = []) => [...previous, value];
/** Repeatable and comma-separated: `--schemas a,b --schemas c`. */
export const list = (values: string[] | undefined) =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

export function parsed<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(result.error, what);
  return result.data;
}

/** Ctrl-C stops the operation (a sync stops between batches: each batch commits whole). */
export async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const stop = () => {
    process.stderr.write('Interrupting...\n');
    abort.abort();
  };
  process.once('SIGINT', stop);
  try {
    return await fn(abort.signal);
  } finally {
    process.off('SIGINT', stop);
  }
}
