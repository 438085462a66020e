import { FTPError } from 'basic-ftp';

import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { ftpErrorCode } from './ftp-errors.ts';
import { FtpFileService } from './ftp-file-service.ts';
import { FtpSessions } from './ftp-sessions.ts';
import { type FtpConfig, ftpConfigSchema } from './ftp.config.ts';

const networkCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/** Why the login or the listing failed, in a user's words. */
function failure(error: unknown, config: FtpConfig): string {
  const server = `${config.host}:${config.port}`;
  const code = ftpErrorCode(error);
  if (typeof code === 'string' && networkCodes.has(code)) return `Cannot reach the FTP server at ${server} (${code})`;
  if (error instanceof FTPError && error.code === 530) {
    return `The FTP server at ${server} refused the login of user '${config.user}': check the user and password`;
  }
  if (error instanceof FTPError && error.code === 550) {
    return `Root folder '${config.root}' cannot be listed (${error.message})`;
  }
  return `FTP server at ${server}: ${errorMessage(error)}`;
}

/** Hides the password, should a server ever echo it back in an error. */
function redact(message: string, secret: string | undefined): string {
  return secret ? message.replaceAll(secret, '***') : message;
}

/** A folder on an FTP/FTPS server: the file-service capability plus the connection test. */
export class FtpConnector extends FtpFileService implements Connector {
  constructor(private readonly config: FtpConfig) {
    super(new FtpSessions(config));
  }

  /** Logs in on a session of its own (so a queued operation cannot delay it) and lists the root. */
  async test(signal: AbortSignal): Promise<TestResult> {
    if (signal.aborted) return abortedResult(signal);
    try {
      const count = await this.sessions.transfer(async ({ client, root }) => {
        await client.cd(root);
        return { root, entries: (await client.list()).length };
      }, signal);
      return {
        ok: true,
        message: `Logged in to ${this.config.host}:${this.config.port} as '${this.config.user}'; root folder ${count.root} lists ${count.entries} entries`,
        details: { root: count.root, entries: count.entries, secure: this.config.secure },
      };
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: redact(failure(error, this.config), this.config.password) };
    }
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}

/** An FTP/FTPS server folder as a file service. */
export const ftpConnectorType: ConnectorType<FtpConfig> = {
  type: 'ftp',
  kind: 'file_service',
  title: 'FTP server',
  description: 'A folder on an FTP or FTPS server.',
  config: ftpConfigSchema,
  secretFields: ['password'],
  testable: true,
  userCreatable: true,
  create: (config) => new FtpConnector(config),
};
