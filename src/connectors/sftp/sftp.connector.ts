import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { sftpCode } from './sftp-errors.ts';
import { SftpFileService } from './sftp-file-service.ts';
import { call, HostKeyMismatch, openSftpSession } from './sftp-session.ts';
import { type SftpConfig, sftpConfigSchema } from './sftp.config.ts';

const networkCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/** Why the login or the listing failed, in a user's words (never with a secret in it). */
function failure(error: unknown, config: SftpConfig): string {
  const server = `${config.host}:${config.port}`;
  const code = sftpCode(error);
  const message = errorMessage(error);
  if (typeof code === 'string' && networkCodes.has(code)) return `Cannot reach the SSH server at ${server} (${code})`;
  if (error instanceof HostKeyMismatch) return `${message}: refusing to log in to ${server}`;
  if ((error as { level?: string }).level === 'client-authentication') {
    return `The SSH server at ${server} refused the login of user '${config.user}': check the password or key`;
  }
  if (/privateKey|passphrase/i.test(message)) return 'The private key cannot be read: is the passphrase right?';
  if (/Timed out/i.test(message)) return `The SSH server at ${server} did not answer in time`;
  if (code === 2) return `Root folder '${config.root}' does not exist on ${server}`;
  return `SSH server at ${server}: ${message}`;
}

/** Hides secrets, should a message ever echo one back. */
function redact(message: string, config: SftpConfig): string {
  let shown = message;
  for (const secret of [config.password, config.passphrase]) if (secret) shown = shown.replaceAll(secret, '***');
  return shown;
}

/** A folder on an SFTP server: the file-service capability plus the connection test. */
export class SftpConnector extends SftpFileService implements Connector {
  /** Logs in on a connection of its own and lists the root folder. */
  async test(signal: AbortSignal): Promise<TestResult> {
    if (signal.aborted) return abortedResult(signal);
    const server = `${this.config.host}:${this.config.port}`;
    try {
      const session = await openSftpSession(this.config, signal);
      try {
        const { sftp, hostKeySha256 } = session;
        const root = await call<string>((cb) => sftp.realpath(this.config.root, cb));
        const entries = (await call<unknown[]>((cb) => sftp.readdir(root, cb))).length;
        const pinned = this.config.hostKeySha256 ? 'pinned host key' : `host key ${hostKeySha256}, not pinned`;
        return {
          ok: true,
          message: `Logged in to ${server} as '${this.config.user}' (${pinned}); root folder ${root} lists ${entries} entries`,
          details: { root, entries, hostKeySha256 },
        };
      } finally {
        session.client.end();
      }
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: redact(failure(error, this.config), this.config) };
    }
  }
}

/** An SFTP server folder as a file service. */
export const sftpConnectorType: ConnectorType<SftpConfig> = {
  type: 'sftp',
  kind: 'file_service',
  title: 'SFTP server',
  description: 'A folder on an SSH server, reached with SFTP.',
  config: sftpConfigSchema,
  secretFields: ['password', 'privateKey', 'passphrase'],
  testable: true,
  userCreatable: true,
  create: (config) => new SftpConnector(config),
};
