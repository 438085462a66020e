import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { LibpqParams } from '../../../connectors/database.ts';
import { OperationalError, UserError } from '../../../errors/errors.ts';

export const DEFAULT_PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
/** DDL is small next to data; a dump above this is refused rather than held in memory. */
export const MAX_SCHEMA_DUMP_BYTES = 256 * 1024 * 1024;

export interface SchemaDumpOptions {
  pgBinDir: string;
  /** `pg_export_snapshot()` of the open transaction the data is read in. */
  snapshot: string;
  schemas: readonly string[];
  section: 'pre-data' | 'post-data';
  signal: AbortSignal;
}

/** A pg_dump pattern matching exactly this name (pattern characters quoted). */
const exactPattern = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The libpq environment for a child tool. Inherited PG* variables are dropped so a stray
 * PGSERVICE or PGOPTIONS cannot redirect it; the password travels only here, never in argv.
 */
function libpqEnv(params: LibpqParams, rootCertFile: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  Object.assign(env, {
    PGHOST: params.host,
    PGPORT: String(params.port),
    PGDATABASE: params.database,
    PGUSER: params.user,
    PGAPPNAME: 'geosync-dbsync-package',
    PGCONNECT_TIMEOUT: '30',
    ...(params.password !== undefined && { PGPASSWORD: params.password }),
    ...(params.sslMode !== undefined && { PGSSLMODE: params.sslMode }),
    ...(rootCertFile !== undefined && { PGSSLROOTCERT: rootCertFile }),
  });
  return env;
}

/**
 * One section of the packaged schemas' DDL from `pg_dump`, read in the exported snapshot so it
 * matches the data exactly. No owners, no grants: the clone's objects belong to whoever deploys.
 */
export async function dumpSchemaSection(params: LibpqParams, options: SchemaDumpOptions): Promise<string> {
  const binary = path.join(options.pgBinDir, 'pg_dump');
  const args = [
    `--section=${options.section}`,
    '--no-owner',
    '--no-privileges',
    '--strict-names',
    `--snapshot=${options.snapshot}`,
    ...options.schemas.flatMap((s) => ['-n', exactPattern(s)]),
  ];
  let rootCertFile: string | undefined;
  if (params.sslRootCert !== undefined) {
    rootCertFile = path.join(os.tmpdir(), `geosync-root-${randomBytes(8).toString('hex')}.pem`);
    await writeFile(rootCertFile, params.sslRootCert, { mode: 0o600, flag: 'wx' });
  }
  try {
    return await run(binary, args, libpqEnv(params, rootCertFile), options.signal);
  } finally {
    if (rootCertFile) await rm(rootCertFile, { force: true });
  }
}

function run(binary: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let tooLarge = false;
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_SCHEMA_DUMP_BYTES) {
        tooLarge = true;
        child.kill('SIGKILL');
      } else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-4000);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new UserError(
            'dbsync_pg_dump_missing',
            `No pg_dump at ${binary}: set dbsync.pgBinDir to the folder of the PostgreSQL client tools`,
          ),
        );
      } else reject(signal.aborted ? (signal.reason as Error) : error);
    });
    child.on('close', (code) => {
      if (signal.aborted) return reject(signal.reason as Error);
      if (tooLarge) {
        return reject(
          new UserError(
            'dbsync_schema_too_large',
            `The schema DDL exceeds ${MAX_SCHEMA_DUMP_BYTES} bytes: package fewer schemas`,
          ),
        );
      }
      if (code !== 0) {
        return reject(new OperationalError('dbsync_pg_dump_failed', `pg_dump failed (exit ${code}): ${err.trim()}`));
      }
      resolve(Buffer.concat(out).toString('utf8'));
    });
  });
}

/**
 * pg_dump's script made safe to run as one statement batch: its `\restrict`/`\unrestrict` lines
 * (psql meta-commands guarding against a malicious server) are dropped; any other line opening
 * with a backslash is a psql command the server cannot run, so the script is refused.
 * Returns the cleaned script, or the line refused.
 */
export function cleanDumpScript(script: string): { sql: string } | { refusedLine: number } {
  const lines = script.split('\n');
  const kept: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (/^\\(un)?restrict [A-Za-z0-9]+\s*$/.test(line)) continue;
    if (line.startsWith('\\')) return { refusedLine: i + 1 };
    kept.push(line);
  }
  return { sql: kept.join('\n') };
}
