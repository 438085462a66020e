import { isGeosyncError, OperationalError, UserError } from '../../errors/errors.ts';
import { fileNotFound } from '../file-service.ts';

/** SFTP v3 status codes (ssh2's utils.sftp.STATUS_CODE; ssh2 is CommonJS without named exports). */
export const STATUS_CODE = { NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4 } as const;

/** The SFTP status code of a failed request, or the network error code. */
export const sftpCode = (error: unknown): number | string | undefined =>
  (error as { code?: number | string } | undefined)?.code;

/** Translates an ssh2 failure on `relPath` into geosync's errors (messages hold no secret). */
export function sftpError(error: unknown, relPath: string): unknown {
  if (isGeosyncError(error) || (error as Error | undefined)?.name === 'AbortError') return error;
  const code = sftpCode(error);
  if (code === STATUS_CODE.NO_SUCH_FILE) return fileNotFound(relPath);
  if (code === STATUS_CODE.PERMISSION_DENIED) {
    return new UserError('file_access_denied', `The SFTP server does not allow access to '${relPath}'`, {
      status: 403,
    });
  }
  if ((error as { level?: string } | undefined)?.level === 'client-authentication') {
    return new UserError('file_access_denied', 'The SSH server refused the login', { status: 403 });
  }
  const why = error instanceof Error ? error.message : String(error);
  return new OperationalError('file_service_failed', `Cannot access '${relPath}' over SFTP (${why})`, { cause: error });
}
