import { createHash } from 'node:crypto';

import ssh2, { type Client, type SFTPWrapper } from 'ssh2';

import type { SftpConfig } from './sftp.config.ts';

/** A logged-in SSH connection with its SFTP channel. */
export interface SftpSession {
  client: Client;
  sftp: SFTPWrapper;
  /** The server's host key as `SHA256:...`, for messages and for pinning. */
  hostKeySha256: string;
}

/** The connection was refused because the host key is not the pinned one. */
export class HostKeyMismatch extends Error {
  constructor(readonly actual: string) {
    super(`The server's host key ${actual} is not the one configured in hostKeySha256`);
  }
}

/** `SHA256:abc=` and `abc` name the same key: compare without prefix and padding. */
const bareFingerprint = (fingerprint: string): string => fingerprint.replace(/^SHA256:/, '').replace(/=+$/, '');

/** Calls an ssh2 callback-style method as a promise. */
export function call<T = void>(
  fn: (callback: (error: Error | null | undefined, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

/** Connects and logs in, then opens the SFTP channel; `signal` ends the attempt. */
export function openSftpSession(config: SftpConfig, signal?: AbortSignal): Promise<SftpSession> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client(); // ssh2 is CommonJS: no named exports at run time
    let hostKeySha256 = '';
    let mismatch: HostKeyMismatch | undefined;
    const fail = (error: unknown) => {
      signal?.removeEventListener('abort', abort);
      client.end();
      reject((signal?.aborted ? signal.reason : (mismatch ?? error)) as Error);
    };
    const abort = () => fail(signal?.reason);
    if (signal?.aborted) return void reject(signal.reason as Error);
    signal?.addEventListener('abort', abort, { once: true });
    client.on('error', fail);
    client.on('ready', () => {
      client.sftp((error, sftp) => {
        if (error) return fail(error);
        signal?.removeEventListener('abort', abort);
        client.removeListener('error', fail);
        resolve({ client, sftp, hostKeySha256 });
      });
    });
    try {
      client.connect({
        host: config.host,
        port: config.port,
        username: config.user,
        password: config.password,
        privateKey: config.privateKey,
        passphrase: config.passphrase,
        readyTimeout: 20_000,
        hostVerifier: (key: Buffer) => {
          hostKeySha256 = `SHA256:${bareFingerprint(createHash('sha256').update(key).digest('base64'))}`;
          if (config.hostKeySha256 === undefined) return true;
          const pinned = bareFingerprint(config.hostKeySha256) === bareFingerprint(hostKeySha256);
          if (!pinned) mismatch = new HostKeyMismatch(hostKeySha256);
          return pinned;
        },
      });
    } catch (error) {
      // ssh2 parses the private key synchronously: a wrong passphrase or a bad key throws here.
      fail(error);
    }
  });
}
