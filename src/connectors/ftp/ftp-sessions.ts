import path from 'node:path';

import { Client } from 'basic-ftp';

import type { FtpConfig } from './ftp.config.ts';

/** How long a silent server is waited for before an operation fails. */
const TIMEOUT_MS = 30_000;

/** A logged-in FTP client and the absolute path of the connection's root folder on it. */
export interface FtpSession {
  client: Client;
  root: string;
}

/**
 * The FTP connections of one connector. A basic-ftp client runs one command at a time, so
 * short commands (list, stat, remove) queue on one shared session, and each transfer (read,
 * write) gets a session of its own: a read stream left unconsumed, or a write whose body is a
 * read of the same server, would otherwise block everything behind it.
 */
export class FtpSessions {
  private shared: Promise<FtpSession> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly transfers = new Set<Client>();

  constructor(private readonly config: FtpConfig) {}

  /** Logs in a new client; `signal` closes it (which fails whatever it is doing). */
  async open(signal?: AbortSignal): Promise<FtpSession> {
    // An abort listener never fires for a signal aborted already: refuse before logging in.
    signal?.throwIfAborted();
    const client = new Client(TIMEOUT_MS);
    const abort = () => client.close();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await client.access({
        host: this.config.host,
        port: this.config.port,
        user: this.config.user,
        password: this.config.password ?? '',
        secure: { none: false, explicit: true, implicit: 'implicit' as const }[this.config.secure],
        secureOptions: { rejectUnauthorized: this.config.verifyCertificate, servername: this.config.host },
      });
      // A relative root is relative to the login folder; resolving it once lets every later
      // command use absolute paths, whatever folder the session was left in.
      const root = path.posix.resolve(await client.pwd(), this.config.root);
      return { client, root };
    } catch (error) {
      client.close();
      throw signal?.aborted ? signal.reason : error;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Runs `fn` on the shared session, after the commands queued before it. */
  run<T>(fn: (session: FtpSession) => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      const session = await this.sharedSession();
      try {
        return await fn(session);
      } finally {
        // A failed transfer or a time-out closes basic-ftp's client: log in again next time.
        if (session.client.closed) this.shared = undefined;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private sharedSession(): Promise<FtpSession> {
    if (!this.shared) {
      this.shared = this.open();
      this.shared.catch(() => (this.shared = undefined));
    }
    return this.shared;
  }

  /** Runs a transfer on a session of its own, closed when `fn` settles. */
  async transfer<T>(fn: (session: FtpSession) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const session = await this.open(signal);
    if (signal?.aborted) {
      session.client.close();
      throw signal.reason;
    }
    this.transfers.add(session.client);
    const abort = () => session.client.close();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await fn(session);
    } catch (error) {
      throw signal?.aborted ? signal.reason : error;
    } finally {
      signal?.removeEventListener('abort', abort);
      session.client.close();
      this.transfers.delete(session.client);
    }
  }

  async close(): Promise<void> {
    const shared = this.shared;
    this.shared = undefined;
    for (const client of this.transfers) client.close();
    this.transfers.clear();
    (await shared?.catch(() => undefined))?.client.close();
  }
}
