import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A stream's bytes kept on the local disk, so they can be sent with a known length. */
export interface Spooled {
  size: number;
  open(): ReadStream;
  discard(): Promise<void>;
}

/**
 * Copies `body` to a private temporary file. PutObject needs the length before the first byte,
 * a stream does not know it, and holding a whole file in memory is not an option for rasters.
 */
export async function spool(body: Readable, signal?: AbortSignal): Promise<Spooled> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'geosync-s3-'));
  const file = path.join(dir, 'body');
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal });
    const { size } = await stat(file);
    return { size, open: () => createReadStream(file), discard };
  } catch (error) {
    await discard();
    throw error;
  }
}
