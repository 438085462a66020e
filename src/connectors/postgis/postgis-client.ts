import type { ConnectionOptions } from 'node:tls';

import pg from 'pg';

import type { PostgisConfig, SslMode } from './postgis.config.ts';

/** What `ssl` to hand node-postgres: false, or TLS options. */
export type PgSsl = false | ConnectionOptions;

/** The first TLS setting to try for an ssl mode (`prefer` starts with TLS, see connectClient). */
export function sslOptions(mode: SslMode, rootCert: string | undefined): PgSsl {
  switch (mode) {
    case 'disable':
      return false;
    case 'prefer':
    case 'require':
      // libpq semantics: encrypt, but do not check who is on the other end.
      return { rejectUnauthorized: false };
    case 'verify-full':
      // Node checks the host name against the certificate whenever rejectUnauthorized is set.
      return { rejectUnauthorized: true, ...(rootCert !== undefined && { ca: rootCert }) };
  }
}

/** node-postgres settings for one connection; the password is passed, never logged. */
export function pgClientConfig(config: PostgisConfig, ssl: PgSsl): pg.ClientConfig {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    password: config.password,
    ssl,
    application_name: config.applicationName,
    connectionTimeoutMillis: config.connectTimeoutSeconds * 1000,
  };
}

/** pg's error when the server answers `N` to the TLS request. */
export const sslNotSupported = 'The server does not support SSL connections';

/**
 * Drops the socket at once. `client.end()` is not enough to abort: while connecting it only
 * half-closes the socket and waits for a goodbye that a silent server never sends.
 */
export function destroyClient(client: pg.Client): void {
  client.connection.stream.destroy();
}

async function connectOnce(config: PostgisConfig, ssl: PgSsl, signal: AbortSignal): Promise<pg.Client> {
  const client = new pg.Client(pgClientConfig(config, ssl));
  // Failures surface through the pending call; a late socket error on an idle client must not
  // become an uncaught 'error' event that stops the process.
  client.on('error', () => undefined);
  const abort = () => destroyClient(client);
  signal.addEventListener('abort', abort, { once: true });
  try {
    if (signal.aborted) throw signal.reason;
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw signal.aborted ? signal.reason : error;
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/**
 * Opens one connection, honouring `signal` (aborting ends the socket at once). `prefer` falls
 * back to a plain connection when the server refuses TLS, as libpq does; `ssl` says what was
 * used, so a pool can reuse it without probing again.
 */
export async function connectClient(
  config: PostgisConfig,
  signal: AbortSignal,
): Promise<{ client: pg.Client; ssl: PgSsl }> {
  const ssl = sslOptions(config.sslMode, config.sslRootCert);
  try {
    return { client: await connectOnce(config, ssl, signal), ssl };
  } catch (error) {
    if (config.sslMode !== 'prefer' || (error as Error | undefined)?.message !== sslNotSupported) throw error;
    return { client: await connectOnce(config, false, signal), ssl: false };
  }
}

/**
 * A pool for data work on a PostGIS connection. With sslMode `prefer`, one connection is opened
 * first to learn whether the server speaks TLS, so every pooled connection does the same.
 */
export async function createPool(
  config: PostgisConfig,
  options: { max?: number; signal?: AbortSignal } = {},
): Promise<pg.Pool> {
  const { client, ssl } = await connectClient(config, options.signal ?? new AbortController().signal);
  await client.end().catch(() => undefined);
  const pool = new pg.Pool({ ...pgClientConfig(config, ssl), max: options.max ?? 10 });
  // An idle pooled connection dropped by the server must not crash the process; the next
  // checkout reconnects.
  pool.on('error', () => undefined);
  // A checked-out client whose socket an abort destroyed reports it as an 'error' event too.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
