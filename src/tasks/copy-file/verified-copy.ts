import { createHash } from 'node:crypto';
import { addAbortSignal, pipeline, type Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';

import type { FileService } from '../../connectors/file-service.ts';
import { OperationalError } from '../../errors/errors.ts';

/** A file in a file service. */
export interface FileLocation {
  service: FileService;
  path: string;
}

/** What was copied: the byte count and the SHA-256 (hex) of the source as it was read. */
export interface CopyDigest {
  bytes: number;
  sha256: string;
}

export interface CopyOptions {
  signal: AbortSignal;
  /** Called for every chunk with the bytes done so far and the source's size. */
  onProgress?: (done: number, total: number) => void;
}

/** Hashes and counts the bytes flowing through, without holding them. */
class DigestMeter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly onChunk?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onChunk?.(this.bytes);
    done(null, chunk);
  }

  digest(): CopyDigest {
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/**
 * `source` piped through a meter. The callback form of pipeline ties them together, so a
 * consumer that stops early (an abort, a failed write) also closes the source's file handle.
 */
function metered(source: Readable, signal: AbortSignal, onChunk?: (bytes: number) => void): DigestMeter {
  const meter = new DigestMeter(onChunk);
  // The signal destroys the stream itself: the copy stops even if a service ignores `signal`.
  addAbortSignal(signal, meter);
  pipeline(source, meter, () => undefined);
  return meter;
}

/** Reads a whole file only to hash it. */
export async function digestOf(file: FileLocation, signal: AbortSignal): Promise<CopyDigest> {
  const meter = metered(await file.service.read(file.path), signal);
  await finished(meter.resume()); // drained: the meter hashes the bytes as they pass
  return meter.digest();
}

/**
 * Streams `from` to `to` (never the whole file in memory), hashing the bytes on the way, then
 * reads the written file back and checks its size and SHA-256 against what was read: a copy
 * that was cut short or altered in transit fails with `copy_verification_failed`. The source
 * changing size while it is copied fails with `source_changed`.
 */
export async function verifiedCopy(from: FileLocation, to: FileLocation, options: CopyOptions): Promise<CopyDigest> {
  const { signal } = options;
  const total = (await from.service.stat(from.path)).size;
  const meter = metered(await from.service.read(from.path), signal, (done) => options.onProgress?.(done, total));
  try {
    await to.service.write(to.path, meter, signal);
  } catch (error) {
    meter.destroy(); // a write refused before its first read would leave the source open
    throw error;
  }
  const read = meter.digest();
  if (read.bytes !== total) {
    throw new OperationalError(
      'source_changed',
      `'${from.path}' changed while it was copied (${total} bytes before, ${read.bytes} bytes read)`,
    );
  }
  const written = await digestOf(to, signal);
  if (written.bytes !== read.bytes || written.sha256 !== read.sha256) {
    throw new OperationalError(
      'copy_verification_failed',
      `The copy '${to.path}' does not match '${from.path}': read ${read.bytes} bytes (SHA-256 ${read.sha256}), ` +
        `the copy has ${written.bytes} bytes (SHA-256 ${written.sha256})`,
    );
  }
  return read;
}
