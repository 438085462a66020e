import { pipeline, type Readable, Transform } from 'node:stream';

import { UserError } from '../../errors/errors.ts';

export const uploadTooLarge = (limit: number): UserError =>
  new UserError('body_too_large', `The upload is larger than the limit of ${limit} bytes`, { status: 413 });

/**
 * `body`, failing with `body_too_large` as soon as more than `limit` bytes have passed: a
 * declared length can be absent (chunked uploads) or wrong, so the bytes are counted.
 */
export function limitBytes(body: Readable, limit: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? uploadTooLarge(limit) : null, chunk);
    },
  });
  // The callback form links them: an error on either side destroys both.
  pipeline(body, counter, () => undefined);
  return counter;
}
