import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';

import { UserError } from '../../errors/errors.ts';
import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import type { FileService, FileServiceGroup } from '../file-service.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { S3BucketService } from './s3-bucket-service.ts';
import { createS3Client } from './s3-client.ts';
import { s3ErrorCode, s3Status } from './s3-errors.ts';
import { type S3Config, s3ConfigSchema } from './s3.config.ts';

/** Network failures: nothing answered, so every bucket would fail the same way. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/** Why HeadBucket failed, in a user's words; the SDK's codes stay in brackets for support. */
function bucketProblem(error: unknown, region: string): string {
  const status = s3Status(error);
  const code = s3ErrorCode(error) ?? 'unknown error';
  if (status === 404) return 'does not exist';
  if (status === 403) return `access refused (${code}): check the keys and the bucket policy`;
  if (status === 301) return `is not in region ${region} (${code})`;
  return status === undefined ? errorMessage(error) : `failed with HTTP ${status} (${code})`;
}

/** An S3 connection: one file service per bucket, all through one client. */
export class S3Connector implements Connector, FileServiceGroup {
  private client: S3Client | undefined;
  private readonly services = new Map<string, S3BucketService>();

  constructor(private readonly config: S3Config) {}

  get members(): readonly string[] {
    return this.config.buckets;
  }

  /** Created on first use: a connector must not touch the network (or the SDK) until used. */
  private get s3(): S3Client {
    this.client ??= createS3Client(this.config);
    return this.client;
  }

  member(name: string): FileService {
    if (!this.config.buckets.includes(name)) {
      throw new UserError('file_service_not_found', `Bucket '${name}' is not one of this connection's buckets`, {
        status: 404,
        details: [{ field: 'bucket', message: `one of: ${this.config.buckets.join(', ')}` }],
      });
    }
    let service = this.services.get(name);
    if (!service) {
      service = new S3BucketService(this.s3, name);
      this.services.set(name, service);
    }
    return service;
  }

  /** HeadBucket on every bucket: it checks the endpoint, the keys and each bucket at once. */
  async test(signal: AbortSignal): Promise<TestResult> {
    if (signal.aborted) return abortedResult(signal);
    const where = this.config.endpoint ? new URL(this.config.endpoint).host : `Amazon S3 (${this.config.region})`;
    const problems: string[] = [];
    for (const bucket of this.config.buckets) {
      try {
        await this.s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
      } catch (error) {
        if (signal.aborted) return abortedResult(signal);
        const code = s3ErrorCode(error);
        if (s3Status(error) === undefined && code && unreachableCodes.has(code)) {
          return { ok: false, message: `Cannot reach the S3 service at ${where} (${code})` };
        }
        problems.push(`bucket '${bucket}' ${bucketProblem(error, this.config.region)}`);
      }
    }
    const count = this.config.buckets.length;
    if (problems.length > 0) {
      return { ok: false, message: `${where}: ${problems.join('; ')}`, details: { failedBuckets: problems.length } };
    }
    const buckets = count === 1 ? `Bucket '${this.config.buckets[0]}' is` : `All ${count} buckets are`;
    return { ok: true, message: `${buckets} reachable on ${where}`, details: { buckets: count } };
  }

  close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
    this.services.clear();
    return Promise.resolve();
  }
}

/** S3 buckets as file services, one per bucket (the connection is a FileServiceGroup). */
export const s3ConnectorType: ConnectorType<S3Config> = {
  type: 's3',
  kind: 'file_service',
  title: 'S3 buckets',
  description: 'Buckets on Amazon S3 or an S3-compatible service (MinIO, Ceph...).',
  config: s3ConfigSchema,
  secretFields: ['secretAccessKey'],
  testable: true,
  userCreatable: true,
  create: (config) => new S3Connector(config),
};
