/**
 * A private, throwaway MariaDB server for one test file (the MySQL/MariaDB connector's tests).
 *
 * Unlike PostgreSQL (one cluster per `npm test` run), each file that needs MariaDB starts its own:
 * few files need it, and a server starts in about two seconds. Everything lives in one temp
 * folder (data, socket, error log) deleted by stop(), and on process exit if the file forgot.
 * Needs `mariadb-server` (in APT_PACKAGES of scripts/test-all.sh).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import mysql from 'mysql2/promise';

const execFileAsync = promisify(execFile);

const MARIADBD = process.env.GEOSYNC_TEST_MARIADBD ?? '/usr/sbin/mariadbd';
const INSTALL_DB = process.env.GEOSYNC_TEST_MARIADB_INSTALL_DB ?? '/usr/bin/mariadb-install-db';
const READY_TIMEOUT_MS = 60_000;

export interface MariadbServer {
  host: string;
  port: number;
  /** A database created for the tests; `user` has every privilege on it (and only there). */
  database: string;
  user: string;
  password: string;
  /** The server's unix socket, where root logs in without a password (admin work in tests). */
  socket: string;
  /** Runs statements as root over the socket (creating other databases, users...). */
  asRoot(sql: string, params?: unknown[]): Promise<unknown>;
  /** Shuts the server down and deletes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a MariaDB server on a free 127.0.0.1 port, with a database and a password user ready. */
export async function startMariadb(): Promise<MariadbServer> {
  for (const tool of [MARIADBD, INSTALL_DB]) {
    if (!existsSync(tool)) throw new Error(`${tool} not found: install mariadb-server (run \`npm test\` once as root)`);
  }
  const dir = mkdtempSync(path.join(process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir(), 'geosync-mariadb-'));
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mariadb.sock');
  const errorLog = path.join(dir, 'error.log');
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  // mariadbd refuses to run as root unless told which user to be; as root, it stays root.
  const asUser = process.getuid?.() === 0 ? ['--user=root'] : [];
  let child: ChildProcess | undefined;
  const killNow = () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    removeDir();
  };
  // Ctrl-C or a runner's SIGTERM skip 'exit' handlers unless the signal is handled.
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const forget = () => {
    process.removeListener('exit', killNow);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  process.once('exit', killNow);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await execFileAsync(INSTALL_DB, [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      ...asUser,
    ]).catch((error: { stderr?: string; stdout?: string }) => {
      throw new Error(`mariadb-install-db failed: ${error.stderr || error.stdout}`, { cause: error });
    });

    // A free port can be taken between the probe and the server's bind: retry with another.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      child = spawn(MARIADBD, serverArgs({ dataDir, socket, errorLog, port, asUser }), { stdio: 'ignore' });
      try {
        await waitUntilReady(child, socket, errorLog);
        break;
      } catch (error) {
        if (child.exitCode === null) child.kill('SIGKILL');
        if (attempt >= 3) throw error;
      }
    }

    const server = { host: '127.0.0.1', port, database: 'geosync_test', user: 'geosync', socket };
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const asRoot = (sql: string, params: unknown[] = []) => withRoot(socket, (c) => c.query(sql, params));
    await asRoot('CREATE DATABASE geosync_test CHARACTER SET utf8mb4');
    await asRoot(`CREATE USER 'geosync'@'%' IDENTIFIED BY ?`, [password]);
    await asRoot(`GRANT ALL ON geosync_test.* TO 'geosync'@'%'`);

    let stopped = false;
    const running = child;
    return {
      ...server,
      password,
      asRoot,
      async stop() {
        if (stopped) return;
        stopped = true;
        forget();
        await stopProcess(running);
        removeDir();
      },
    };
  } catch (error) {
    killNow();
    forget();
    throw error;
  }
}

function serverArgs(o: { dataDir: string; socket: string; errorLog: string; port: number; asUser: string[] }) {
  return [
    '--no-defaults',
    ...o.asUser,
    `--datadir=${o.dataDir}`,
    `--socket=${o.socket}`,
    `--pid-file=${path.join(o.dataDir, 'mariadbd.pid')}`,
    `--log-error=${o.errorLog}`,
    `--port=${o.port}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    '--skip-log-bin',
    // Throwaway data: trade durability for speed and a small footprint.
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0',
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=16M',
    '--character-set-server=utf8mb4',
  ];
}

/** Resolves once root can log in over the socket; rejects if the server exits or stays silent. */
async function waitUntilReady(child: ChildProcess, socket: string, errorLog: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const log = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-3000) : '');
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}:\n${log()}`);
    if (existsSync(socket)) {
      try {
        await withRoot(socket, (c) => c.query('SELECT 1'));
        return;
      } catch {
        // Socket there but not accepting logins yet.
      }
    }
    if (Date.now() > deadline) throw new Error(`mariadbd not ready within ${READY_TIMEOUT_MS / 1000} s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function withRoot<T>(socket: string, use: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection({ socketPath: socket, user: 'root' });
  try {
    return await use(connection);
  } finally {
    await connection.end();
  }
}

/** SIGTERM is mariadbd's clean shutdown; SIGKILL if it takes more than 20 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
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
