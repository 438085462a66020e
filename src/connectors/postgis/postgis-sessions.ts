import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

import { OperationalError, UserError } from '../../errors/errors.ts';
import { abortable } from '../../lib/abortable.ts';
import type { PgSession } from '../database.ts';
import { describePgError } from './postgis-check.ts';
import { connectClient, createPool, destroyClient } from './postgis-client.ts';
import type { PostgisConfig } from './postgis.config.ts';

const COPY_BUFFER_BYTES = 1024 * 1024;

const ignore = () => undefined;

/** SQLSTATEs of a login the settings must fix: bad password, no access, no such database. */
const loginFailures = new Set(['28P01', '28000', '3D000']);

/** A failure to connect as a geosync error, in words a user can act on (never the password). */
function toConnectionError(error: unknown, config: PostgisConfig): Error {
  const message = describePgError(error, config);
  const code = (error as { code?: string } | undefined)?.code ?? '';
  if (loginFailures.has(code)) return new UserError('database_login_failed', message);
  return new OperationalError('database_unreachable', message);
}

/** pg keeps the server process id of a connection (for cancel requests) but does not type it. */
const backendPid = (client: pg.PoolClient): number | undefined => (client as { processID?: number }).processID;

function sessionOf(client: pg.PoolClient): PgSession {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query(sql, [...params]);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    // Large buffers: COPY moves hundreds of MB, and small ones pause the socket every 16 KiB.
    copyOut: (sql) => client.query(copyTo(sql, { highWaterMark: COPY_BUFFER_BYTES })),
    copyIn: (sql) => client.query(copyFrom(sql, { highWaterMark: COPY_BUFFER_BYTES })),
  };
}

/**
 * The pooled connections of one PostGIS connection, opened on first use.
 *
 * Abort: the session's socket is destroyed at once, which unblocks whatever the client waits
 * for, COPY streams included (a cancel request alone does not interrupt a COPY FROM STDIN that
 * waits for data), and the connection leaves the pool. The server may not notice a dead
 * socket while it computes, so `pg_cancel_backend` is also sent from a separate connection:
 * the statement stops and releases its locks promptly.
 */
export class PostgisSessions {
  private pool: Promise<pg.Pool> | undefined;
  /** Aborted by close(): running sessions stop, a pool being opened gives up. */
  private readonly closing = new AbortController();

  constructor(private readonly config: PostgisConfig) {}

  /** Shared by concurrent callers, so one caller's abort does not fail the others' opening. */
  private poolFor(signal: AbortSignal): Promise<pg.Pool> {
    this.pool ??= createPool(this.config, { signal: this.closing.signal }).catch((error: unknown) => {
      this.pool = undefined; // the next session tries again
      throw toConnectionError(error, this.config);
    });
    return abortable(this.pool, signal);
  }

  /** A pooled client; one that arrives after `signal` aborted goes straight back. */
  private async checkout(signal: AbortSignal): Promise<pg.PoolClient> {
    const pool = await this.poolFor(signal);
    const pending = pool.connect();
    try {
      return await abortable(pending, signal);
    } catch (error) {
      pending.then((client) => client.release(), ignore);
      throw signal.aborted ? error : toConnectionError(error, this.config);
    }
  }

  async run<T>(fn: (session: PgSession) => Promise<T>, outer: AbortSignal): Promise<T> {
    const signal = AbortSignal.any([outer, this.closing.signal]);
    const client = await this.checkout(signal);
    let failure: Error | undefined;
    const stop = () => {
      failure = new Error('session aborted');
      const pid = backendPid(client);
      destroyClient(client);
      if (pid !== undefined) void this.cancelBackend(pid);
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      if (signal.aborted) {
        stop(); // aborted between checkout and here: the listener never fires
        throw signal.reason as Error;
      }
      return await abortable(fn(sessionOf(client)), signal);
    } catch (error) {
      // A failed statement may leave a transaction or a COPY half done: never reuse the client.
      failure ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      client.release(failure);
    }
  }

  /** Best effort: stop a statement of an abandoned session (same user, so allowed). */
  private async cancelBackend(pid: number): Promise<void> {
    try {
      const { client } = await connectClient(this.config, AbortSignal.timeout(5000));
      await client.query('SELECT pg_cancel_backend($1)', [pid]).finally(() => client.end().catch(ignore));
    } catch {
      // The server ends the backend anyway once it notices the closed socket.
    }
  }

  async close(): Promise<void> {
    this.closing.abort(new OperationalError('connection_closed', 'The database connection was closed'));
    const pool = this.pool;
    this.pool = undefined;
    await pool?.then((p) => p.end(), ignore);
  }
}
