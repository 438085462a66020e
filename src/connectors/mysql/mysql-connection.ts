import mysql from 'mysql2';

import { OperationalError, UserError } from '../../errors/errors.ts';
import type { MysqlConfig } from './mysql.config.ts';

/** Which server answered: the SQL of metadata and geometry output differs between the two. */
export interface MysqlFlavor {
  mariadb: boolean;
  major: number;
  /** `VERSION()` as the server says it, e.g. `10.11.6-MariaDB`. */
  version: string;
}

/** One open connection: promise queries for metadata, the raw connection for streaming. */
export interface MysqlSession {
  readonly raw: mysql.Connection;
  readonly flavor: MysqlFlavor;
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Polite goodbye; falls back to destroy() when the server does not answer. */
  end(): Promise<void>;
  /** Drops the socket at once (an abort, or a result set not read to the end). */
  destroy(): void;
}

function connectionOptions(config: MysqlConfig): mysql.ConnectionOptions {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    ssl: config.ssl ? { rejectUnauthorized: true } : undefined,
    connectTimeout: config.connectTimeoutSeconds * 1000,
    charset: 'UTF8MB4_UNICODE_CI',
    // Values exactly as the server writes them: no rounding of big numbers, no JS Date with its
    // milliseconds and local time zone, JSON as its text.
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
  };
}

function flavorOf(version: string): MysqlFlavor {
  return { mariadb: /mariadb/i.test(version), major: Number.parseInt(version, 10) || 0, version };
}

/**
 * Opens a connection within `signal` (aborting drops the socket), in UTC so TIMESTAMP values
 * read as instants, and learns the server's flavor. Fails with a geosync error (or the
 * signal's reason).
 */
export async function openMysql(config: MysqlConfig, signal: AbortSignal): Promise<MysqlSession> {
  if (signal.aborted) throw signal.reason;
  const raw = mysql.createConnection(connectionOptions(config));
  // Failures surface through the pending call; a late error on an idle connection must not
  // become an uncaught 'error' event that stops the process.
  raw.on('error', () => undefined);
  const destroy = () => raw.destroy();
  signal.addEventListener('abort', destroy, { once: true });
  const promised = raw.promise();
  const session: MysqlSession = {
    raw,
    flavor: flavorOf(''),
    query: async <R>(sql: string, params: readonly unknown[] = []) => {
      const [rows] = await promised.query(sql, [...params]);
      return rows as R[];
    },
    end: async () => {
      const timer = setTimeout(destroy, 2000);
      await promised.end().catch(destroy);
      clearTimeout(timer);
    },
    destroy,
  };
  try {
    await promised.connect();
    await session.query("SET time_zone = '+00:00'");
    const [row] = await session.query<{ version: string }>('SELECT VERSION() AS version');
    return { ...session, flavor: flavorOf(row?.version ?? '') };
  } catch (error) {
    destroy();
    throw signal.aborted ? signal.reason : toDatabaseError(error, config);
  } finally {
    signal.removeEventListener('abort', destroy);
  }
}

/** Runs `use` on a fresh connection, closed afterwards; aborting `signal` drops it mid-query. */
export async function withMysql<T>(
  config: MysqlConfig,
  signal: AbortSignal,
  use: (session: MysqlSession) => Promise<T>,
): Promise<T> {
  const session = await openMysql(config, signal);
  const abort = () => session.destroy();
  signal.addEventListener('abort', abort, { once: true });
  try {
    return await use(session);
  } catch (error) {
    throw signal.aborted ? signal.reason : toDatabaseError(error, config);
  } finally {
    signal.removeEventListener('abort', abort);
    if (!signal.aborted) await session.end();
  }
}

interface MysqlDriverError {
  code?: string;
  errno?: number;
  message?: string;
}

/** A message for people: what went wrong with this connection, never the password. */
export function describeMysqlError(error: unknown, config: MysqlConfig): string {
  const { code, message = String(error) } = (error ?? {}) as MysqlDriverError;
  const where = `${config.host}:${config.port}`;
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `Login refused for user '${config.user}' at ${where}: wrong user name or password`;
    case 'ER_BAD_DB_ERROR':
      return `Database '${config.database}' does not exist on ${where}`;
    case 'ER_DBACCESS_DENIED_ERROR':
      // MariaDB answers this for a missing database too, so as not to reveal which exist.
      return `Database '${config.database}' does not exist on ${where}, or user '${config.user}' may not use it`;
    case 'ECONNREFUSED':
      return `Nothing is listening at ${where} (connection refused)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Server name '${config.host}' cannot be resolved`;
    case 'ETIMEDOUT':
      return `No answer from ${where} within ${config.connectTimeoutSeconds} s`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} cannot be reached from this machine`;
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return `The server at ${where} does not support TLS (turn ssl off, or enable TLS on the server)`;
    default:
      return redact(`Cannot use ${where}: ${message}`, config.password);
  }
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.replaceAll(secret, '***') : text;
}

const loginCodes = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
]);

/**
 * A driver error as a geosync error: the settings are wrong (UserError, not retried) or the
 * server or network misbehaved (OperationalError). geosync errors pass through.
 */
export function toDatabaseError(error: unknown, config: MysqlConfig): unknown {
  if (error instanceof UserError || error instanceof OperationalError) return error;
  const { code } = (error ?? {}) as MysqlDriverError;
  const message = describeMysqlError(error, config);
  if (code && loginCodes.has(code)) return new UserError('database_login_failed', message, { cause: error });
  return new OperationalError('database_failed', message, { cause: error });
}
