/**
 * Throwaway PostgreSQL 15 + PostGIS for tests.
 *
 * `npm test` (scripts/run-tests.ts) starts ONE cluster for the whole run and exports its admin URL
 * as GEOSYNC_TEST_PG_URL; every integration test file then calls createTestDatabase() to get its
 * own database, cloned from `geosync_test_template` (PostGIS already created there). A test file
 * run by hand (`node --import tsx --test some.integration.test.ts`) without GEOSYNC_TEST_PG_URL
 * gets a private cluster for its process, stopped and deleted when the process exits.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

const execFileAsync = promisify(execFile);

/** Where initdb, pg_ctl and postgres live; override for another installation. */
export const PG_BIN_DIR = process.env.GEOSYNC_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** The database every test database is cloned from; it has the extensions below. */
export const TEMPLATE_DATABASE = 'geosync_test_template';
const TEMPLATE_EXTENSIONS = ['postgis'];
const SUPERUSER = 'postgres';

export interface TestDatabase {
  /** Connection URL of the new database (superuser, trust auth). */
  url: string;
  name: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

export interface PostgresCluster {
  /** Admin URL: `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  port: number;
  /** Folder holding data/, the socket and postgres.log; deleted by stop(). */
  dir: string;
  stop(): Promise<void>;
  /** For `process.on('exit')`: immediate shutdown, then delete the folder. */
  stopSync(): void;
}

/**
 * Creates a fresh database (from geosync_test_template, so PostGIS is there) for one test file.
 * `ownCluster`: in a cluster of this process only, never the run's shared one (a test whose
 * outcome depends on cluster-wide state, such as the oldest open transaction, needs that).
 */
export async function createTestDatabase(prefix = 't', options: { ownCluster?: boolean } = {}): Promise<TestDatabase> {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) {
    throw new Error(`createTestDatabase: prefix must match [a-z][a-z0-9_]{0,30}, got ${JSON.stringify(prefix)}`);
  }
  const adminUrl = options.ownCluster ? await privateClusterUrl() : await testClusterUrl();
  const name = `${prefix}_${randomBytes(8).toString('hex')}`;
  // Cloning fails with 55006 while another session is connected to the template; nothing
  // should be (it does not allow connections), but retry briefly rather than flake.
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdminClient(adminUrl, (client) =>
        client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(TEMPLATE_DATABASE)}`),
      );
      break;
    } catch (error) {
      if (attempt >= 10 || (error as { code?: string }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdminClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`),
      );
    },
  };
}

let privateCluster: Promise<PostgresCluster> | undefined;

/** Admin URL of the run's cluster; when GEOSYNC_TEST_PG_URL is unset (a file run by hand), starts a private cluster for this process and stops it at exit. */
export async function testClusterUrl(): Promise<string> {
  const fromEnv = process.env.GEOSYNC_TEST_PG_URL;
  if (fromEnv) return fromEnv;
  return privateClusterUrl();
}

/** This process's own cluster, started on first use and stopped at exit. */
async function privateClusterUrl(): Promise<string> {
  privateCluster ??= startPostgresCluster().then((cluster) => {
    process.once('exit', () => cluster.stopSync());
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        cluster.stopSync();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
    return cluster;
  });
  return (await privateCluster).url;
}

/**
 * Starts a PostgreSQL cluster tuned for tests (no fsync, trust auth on 127.0.0.1 only, socket in
 * its own folder) on a free port, with the template database ready. As root, runs the server as
 * the `postgres` user, which owns the folder.
 */
export async function startPostgresCluster(options: { parentDir?: string } = {}): Promise<PostgresCluster> {
  for (const tool of ['initdb', 'pg_ctl']) {
    if (!existsSync(path.join(PG_BIN_DIR, tool))) {
      throw new Error(
        `PostgreSQL binaries not found in ${PG_BIN_DIR} (set GEOSYNC_TEST_PG_BIN, or run \`npm test\` once to install postgresql-15)`,
      );
    }
  }
  const dir = mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), 'geosync-pg-'));
  const owner = serverOwner();
  chmodSync(dir, 0o700);
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    try {
      execFileSync('runuser', ['-u', owner.name, '--', 'test', '-w', dir], { stdio: 'ignore' });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`The ${owner.name} user cannot write to ${dir}: every folder above it must be searchable by it`);
    }
  }
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');

  const run = async (tool: string, args: string[]): Promise<void> => {
    const [command, fullArgs] = owner
      ? ['runuser', ['-u', owner.name, '--', path.join(PG_BIN_DIR, tool), ...args]]
      : [path.join(PG_BIN_DIR, tool), args];
    try {
      await execFileAsync(command, fullArgs, { cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '';
      throw new Error(`${tool} failed: ${stderr || stdout}${log ? `\n--- postgres.log ---\n${log}` : ''}`, {
        cause: error,
      });
    }
  };
  const stopArgs = (mode: 'fast' | 'immediate') => ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop'];
  const removeDir = () => rmSync(dir, { recursive: true, force: true });

  try {
    await run('initdb', [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    const settings = [
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 300',
      'shared_buffers = 128MB',
      'max_wal_size = 1GB',
      `log_min_messages = warning`,
    ];
    appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n# geosync tests\n${settings.join('\n')}\n`);

    // A free port can be taken between the probe and the server's bind: retry with another.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port}`, 'start']);
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;

    await withAdminClient(url, (client) => client.query(`CREATE DATABASE ${quoteIdent(TEMPLATE_DATABASE)}`));
    const templateUrl = new URL(url);
    templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
    await withAdminClient(templateUrl.toString(), async (client) => {
      for (const extension of TEMPLATE_EXTENSIONS) {
        try {
          await client.query(`CREATE EXTENSION ${quoteIdent(extension)}`);
        } catch (error) {
          throw new Error(
            `CREATE EXTENSION ${extension} failed (is postgresql-15-postgis-3 installed?): ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
    });
    // No connections to the template from now on, so cloning it never meets "being accessed by other users".
    await withAdminClient(url, (client) =>
      client.query(`ALTER DATABASE ${quoteIdent(TEMPLATE_DATABASE)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`),
    );

    let stopped = false;
    return {
      url,
      port,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await run('pg_ctl', stopArgs('fast'));
        } finally {
          removeDir();
        }
      },
      stopSync() {
        if (stopped) return;
        stopped = true;
        stopSyncQuietly(owner, stopArgs('immediate'));
        removeDir();
      },
    };
  } catch (error) {
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      stopSyncQuietly(owner, stopArgs('immediate'));
    }
    removeDir();
    throw error;
  }
}

function stopSyncQuietly(owner: ServerOwner | undefined, args: string[]): void {
  const pgCtl = path.join(PG_BIN_DIR, 'pg_ctl');
  try {
    if (owner) {
      execFileSync('runuser', ['-u', owner.name, '--', pgCtl, ...args], { stdio: 'ignore' });
    } else {
      execFileSync(pgCtl, args, { stdio: 'ignore' });
    }
  } catch {
    // Already stopped, or never started: the folder is deleted next either way.
  }
}

interface ServerOwner {
  name: string;
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root, use the `postgres` system user. */
function serverOwner(): ServerOwner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { name, uid, gid };
  } catch {
    throw new Error('Running as root, but there is no `postgres` user to run PostgreSQL as (install postgresql-15)');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function withAdminClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
