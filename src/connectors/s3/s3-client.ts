import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

import type { S3Config } from './s3.config.ts';

/**
 * Signs nothing: public buckets take requests without an Authorization header, and a signed
 * request with made-up keys would be refused instead.
 */
const anonymousSigner: S3ClientConfig['signer'] = { sign: (request) => Promise.resolve(request) };

/** One SDK client for the whole connection (it pools sockets), shared by every bucket. */
export function createS3Client(config: S3Config): S3Client {
  const credentials =
    config.accessKeyId !== undefined && config.secretAccessKey !== undefined
      ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
      : undefined; // undefined: the SDK's default chain (environment, instance role)
  return new S3Client({
    region: config.region,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle,
    // Anonymous: empty credentials stop the SDK from searching its default chain (and failing),
    // and the no-op signer keeps them off the wire.
    ...(config.anonymous
      ? { signer: anonymousSigner, credentials: { accessKeyId: '', secretAccessKey: '' } }
      : credentials && { credentials }),
    // Checksums only where S3 demands them: many S3-compatible services (older MinIO, Ceph,
    // s3rver) do not understand the trailing-checksum uploads the SDK sends by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
