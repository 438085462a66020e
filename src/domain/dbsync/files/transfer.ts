import { createHash } from 'node:crypto';
import { pipeline as pipe, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { UserError } from '../../../errors/errors.ts';
import type { FileService } from '../../../connectors/file-service.ts';

export const sha256Of = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

/** Passes bytes through unchanged, hashing and counting them on the way. */
class Hashing extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** The sha256 of a file, computed while it streams by (never held whole). */
export async function hashFile(service: FileService, path: string, signal?: AbortSignal): Promise<string> {
  const hashing = new Hashing();
  await pipeline(
    await service.read(path),
    hashing,
    async (chunks: AsyncIterable<Buffer>) => {
      for await (const _ of chunks); // drain
    },
    { signal },
  );
  return hashing.digest();
}

/**
 * Streams a file from one service to another, hashing it on the way. The target's write makes it
 * visible at once, so an interrupted copy leaves the old file (or none), never a part.
 */
export async function copyStreaming(
  source: FileService,
  from: string,
  target: FileService,
  to: string,
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number }> {
  // Not every service checks a signal aborted before the write starts.
  signal?.throwIfAborted();
  const hashing = new Hashing();
  // Either side failing (or the write aborted) ends both: no read left holding a session open.
  const body = pipe(await source.read(from), hashing, () => undefined);
  await target.write(to, body, signal);
  return { sha256: hashing.digest(), bytes: hashing.bytes };
}

export async function writeBuffer(target: FileService, to: string, content: Buffer, signal?: AbortSignal) {
  signal?.throwIfAborted();
  await target.write(to, Readable.from([content]), signal);
}

/** A whole file in memory, refused beyond `maxBytes` (checked while reading, whatever its size claimed). */
export async function readAll(service: FileService, path: string, maxBytes: number, signal?: AbortSignal) {
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = await service.read(path);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      total += chunk.length;
      if (total > maxBytes) {
        throw new UserError('dbsync_file_too_large', `'${path}' is larger than ${maxBytes} bytes`, {
          details: [{ field: 'path', message: `over ${maxBytes} bytes` }],
        });
      }
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}
