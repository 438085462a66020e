import { FTPError } from 'basic-ftp';

import { isGeosyncError, OperationalError, UserError } from '../../errors/errors.ts';
import { fileNotFound } from '../file-service.ts';

/** FTP reply codes that mean "no such file or folder, or not allowed" (RFC 959: 550, 553). */
const noSuchPath = new Set([550, 553]);

/** The FTP reply code, or the network error code (ECONNREFUSED...) when there is none. */
export function ftpErrorCode(error: unknown): number | string | undefined {
  return (error as { code?: number | string } | undefined)?.code;
}

/**
 * Translates a basic-ftp failure on `relPath` into geosync's errors. The server's reply text is
 * kept (it helps), but it never holds the password: only the PASS command carries it.
 */
export function ftpError(error: unknown, relPath: string): unknown {
  if (isGeosyncError(error) || (error as Error | undefined)?.name === 'AbortError') return error;
  if (error instanceof FTPError) {
    if (noSuchPath.has(error.code)) return fileNotFound(relPath);
    if (error.code === 530) {
      return new UserError('file_access_denied', `The FTP server refused the login (${error.message})`, {
        status: 403,
      });
    }
  }
  const code = ftpErrorCode(error);
  const why = error instanceof Error ? error.message : String(error);
  return new OperationalError('file_service_failed', `Cannot access '${relPath}' over FTP (${code ?? why})`, {
    cause: error,
  });
}
