import { isIPv6 } from 'node:net';

import type pg from 'pg';

import type { TestResult } from '../connector.ts';
import { errorMessage } from '../test-results.ts';
import { sslNotSupported } from './postgis-client.ts';
import type { PostgisConfig } from './postgis.config.ts';

/** SQLSTATE of a call to a function that does not exist: PostGIS is not installed. */
const undefinedFunction = '42883';

/** `POSTGIS="3.3.2 4975da8" [EXTENSION] ...` → `3.3.2`. */
export function postgisVersionOf(fullVersion: string): string {
  return /POSTGIS="([^"\s]+)/.exec(fullVersion)?.[1] ?? fullVersion;
}

async function postgisFullVersion(client: pg.Client): Promise<string | undefined> {
  try {
    const { rows } = await client.query<{ v: string }>('SELECT postgis_full_version() AS v');
    return rows[0]?.v;
  } catch (error) {
    if ((error as { code?: string }).code === undefinedFunction) return undefined;
    throw error;
  }
}

/**
 * Checks what geosync needs on a connected client: PostGIS, the schema, and the user's rights
 * on it. Missing PostGIS or schema, or no USAGE right, is ok: false; no CREATE right is ok
 * (read-only use) and said in the message.
 */
export async function checkPostgis(client: pg.Client, config: PostgisConfig): Promise<TestResult> {
  const { rows: info } = await client.query<{ server_version: string }>('SHOW server_version');
  const serverVersion = info[0]?.server_version ?? 'unknown';
  const full = await postgisFullVersion(client);
  if (full === undefined) {
    return {
      ok: false,
      message: `PostGIS is not installed in database ${config.database} (CREATE EXTENSION postgis)`,
      details: { serverVersion },
    };
  }
  const postgisVersion = postgisVersionOf(full);
  const { rows } = await client.query<{ usage: boolean; create: boolean }>(
    `SELECT has_schema_privilege(oid, 'USAGE') AS usage, has_schema_privilege(oid, 'CREATE') AS create
       FROM pg_namespace WHERE nspname = $1`,
    [config.schema],
  );
  const rights = rows[0];
  const details = { serverVersion, postgisVersion, schema: config.schema, canCreate: rights?.create ?? false };
  if (!rights) {
    return { ok: false, message: `Schema ${config.schema} does not exist in database ${config.database}`, details };
  }
  if (!rights.usage) {
    return {
      ok: false,
      message: `User ${config.user} may not use schema ${config.schema} (no USAGE privilege)`,
      details,
    };
  }
  const access = rights.create ? 'can create tables' : 'is read-only (no CREATE privilege)';
  const server = serverVersion.split(' ')[0];
  return {
    ok: true,
    message: `PostgreSQL ${server} with PostGIS ${postgisVersion}; in schema ${config.schema}, ${config.user} ${access}`,
    details,
  };
}

/** Network failures that mean "nothing answered there". */
const unreachable = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN']);
/** TLS failures that mean "the certificate could not be trusted". */
const untrusted = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;

function describe(error: unknown, config: PostgisConfig): string {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const where = `${isIPv6(config.host) ? `[${config.host}]` : config.host}:${config.port}`;
  const message = errorMessage(error);
  if (code === '28P01') return `authentication failed for user ${config.user}`;
  if (code === '28000') return `authentication failed for user ${config.user}: ${message}`;
  if (/password must be a string/.test(message)) {
    return `${where} asks for a password for user ${config.user}, and none is set`;
  }
  if (code === '3D000') return `database ${config.database} does not exist on ${where}`;
  if (code === '53300') return `${where} has no free connection slots (${message})`;
  if (code === '57P03') return `${where} is starting up or shutting down; try again`;
  if (unreachable.has(code)) return `cannot reach ${where} (${code})`;
  if (code === 'ENOTFOUND') return `cannot reach ${where} (ENOTFOUND: unknown host ${config.host})`;
  if (code === 'ENOENT') return `cannot reach ${where} (ENOENT: no socket in ${config.host})`;
  if (/timeout expired|connection timeout/i.test(message)) {
    return `cannot reach ${where} (no answer within ${config.connectTimeoutSeconds} s)`;
  }
  if (message === sslNotSupported) {
    return `${where} does not accept TLS connections, which sslMode ${config.sslMode} requires`;
  }
  if (untrusted.test(code)) {
    return `the TLS certificate of ${where} is not trusted (${code}: ${message}); set sslRootCert to the certificate of the authority that signed it`;
  }
  return `${where}: ${message}`;
}

/**
 * A human message for a failed connection or check. The password is masked even in the
 * driver's own text, which a misbehaving server or proxy could echo.
 */
export function describePgError(error: unknown, config: PostgisConfig): string {
  const text = describe(error, config);
  return config.password ? text.split(config.password).join('********') : text;
}
