import { isGeosyncError, OperationalError, UserError } from '../../errors/errors.ts';
import { fileNotFound } from '../file-service.ts';

/** What the SDK's errors carry: the S3 error code as `name`, and the HTTP status. */
interface S3Failure {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 error code, or the network error code (ECONNREFUSED...) when no answer came. */
export function s3ErrorCode(error: unknown): string | undefined {
  const failure = error as S3Failure | undefined;
  return failure?.$metadata?.httpStatusCode !== undefined ? failure.name : (failure?.code ?? failure?.name);
}

export function s3Status(error: unknown): number | undefined {
  return (error as S3Failure | undefined)?.$metadata?.httpStatusCode;
}

export const isS3NotFound = (error: unknown): boolean =>
  s3Status(error) === 404 || ['NoSuchKey', 'NotFound'].includes(s3ErrorCode(error) ?? '');

/**
 * Translates an SDK failure on `relPath` of `bucket` into geosync's errors. Messages name the
 * bucket and the path, never keys or the endpoint's credentials.
 */
export function s3Error(error: unknown, bucket: string, relPath: string): unknown {
  if (isGeosyncError(error) || (error as Error | undefined)?.name === 'AbortError') return error;
  const code = s3ErrorCode(error);
  const status = s3Status(error);
  if (code === 'NoSuchBucket') {
    return new UserError('bucket_not_found', `Bucket '${bucket}' does not exist`, { status: 404 });
  }
  if (isS3NotFound(error)) return fileNotFound(relPath);
  if (status === 403 || code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
    return new UserError('file_access_denied', `Access to '${relPath}' in bucket '${bucket}' was refused (${code})`, {
      status: 403,
    });
  }
  return new OperationalError('file_service_failed', `Cannot access '${relPath}' in bucket '${bucket}' (${code})`, {
    cause: error,
  });
}
