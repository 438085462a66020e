/**
 * Start-up smoke: runs `node bin/geosync.js serve` (with the node running this script) on a fresh
 * data folder and a free port, then checks:
 *   GET /readyz answers 200 within 60 s; GET /healthz answers 200;
 *   POST /api/v1/auth/login {"username":"admin","password":<GEOSYNC_ADMIN_PASSWORD>} answers 200;
 *   after SIGTERM the process exits within 10 s.
 * Exit code 0 when all hold. `npm test` runs it on Node 20 and Node 24:
 *   node --import tsx scripts/smoke.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_PASSWORD = 'smoke-pass-123';
const READY_WITHIN_MS = 60_000;
const EXIT_WITHIN_MS = 10_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `promise` settles or after `ms`, whichever is first, leaving no timer behind. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The built-in `local` database answers with PostGIS: on a first start PostGIS is enabled in the
 * background after the server is ready, so this also times that.
 */
async function checkLocalDatabase(
  base: string,
  login: { headers: Headers; body: string },
  step: (ok: boolean, text: string) => boolean,
): Promise<void> {
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = JSON.parse(login.body) as { csrfToken?: string };
  const headers = { cookie, 'x-csrf-token': csrfToken ?? '' };
  const list = await fetch(`${base}/api/v1/connections?kind=database`, { headers });
  const { items } = (await list.json()) as { items: { id: string; name: string }[] };
  const local = items.find((c) => c.name === 'local');
  if (!step(local !== undefined, 'the built-in `local` database exists')) return;
  const response = await fetch(`${base}/api/v1/connections/${local!.id}/test`, { method: 'POST', headers });
  const result = (await response.json()) as { ok?: boolean; message?: string };
  step(
    result.ok === true && /PostGIS/.test(result.message ?? ''),
    `local database test: ${result.message ?? response.status}`,
  );
}

async function main(): Promise<boolean> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const dataDir = mkdtempSync(path.join(process.env.GEOSYNC_TEST_RUN_DIR ?? os.tmpdir(), 'smoke-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  // Only our settings: none of the caller's GEOSYNC_* (a store URL, a config file) may leak in.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GEOSYNC_')) env[key] = value;
  }
  Object.assign(env, {
    GEOSYNC_DATA_DIR: dataDir,
    GEOSYNC_SERVER_HOST: '127.0.0.1',
    GEOSYNC_SERVER_PORT: String(port),
    GEOSYNC_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });

  // cwd is the empty data folder, so no ./geosync.yaml of the checkout is picked up.
  const server = spawn(process.execPath, [path.join(ROOT, 'bin', 'geosync.js'), 'serve'], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  server.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  server.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    server.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  server.on('error', (error) => {
    log += `\nspawn failed: ${error.message}`;
  });

  const problems: string[] = [];
  const step = (ok: boolean, text: string) => {
    console.log(`  ${ok ? '✔' : '✖'} ${text} (${elapsed()})`);
    if (!ok) problems.push(text);
    return ok;
  };

  try {
    console.log(
      `  ${path.basename(process.execPath)} ${process.version}: geosync serve on ${base}, data in ${dataDir}`,
    );

    let ready = false;
    let lastAnswer = 'no answer';
    while (!ready && !exited && Date.now() - started < READY_WITHIN_MS) {
      try {
        const response = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
        lastAnswer = `HTTP ${response.status}`;
        await response.body?.cancel();
        ready = response.status === 200;
      } catch (error) {
        lastAnswer = (error as Error).message;
      }
      if (!ready) await sleep(250);
    }
    if (!step(ready, `GET /readyz 200 within ${READY_WITHIN_MS / 1000} s`)) {
      console.log(
        exited
          ? `    the server exited first (code ${exited.code}, signal ${exited.signal})`
          : `    last answer: ${lastAnswer}`,
      );
      return false;
    }

    const health = await fetch(`${base}/healthz`);
    await health.body?.cancel();
    step(health.status === 200, `GET /healthz 200 (got ${health.status})`);

    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const loginBody = await login.text();
    if (!step(login.status === 200, `POST /api/v1/auth/login 200 (got ${login.status})`)) {
      console.log(`    ${loginBody.slice(0, 500)}`);
    } else {
      await checkLocalDatabase(base, { headers: login.headers, body: loginBody }, step);
    }

    server.kill('SIGTERM');
    const stopStart = Date.now();
    await within(exitPromise, EXIT_WITHIN_MS);
    const stopMs = Date.now() - stopStart;
    step(
      exited !== undefined,
      exited
        ? `exits after SIGTERM in ${(stopMs / 1000).toFixed(1)} s (code ${exited.code}, signal ${exited.signal})`
        : `exits within ${EXIT_WITHIN_MS / 1000} s of SIGTERM`,
    );
    return problems.length === 0;
  } catch (error) {
    step(false, `unexpected: ${(error as Error).message}`);
    return false;
  } finally {
    // The whole process group: the server and anything it left behind.
    if (server.pid !== undefined) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // gone
      }
      if (!exited) await within(exitPromise, 5_000);
    }
    if (problems.length > 0 || !exited) {
      const lines = log.trimEnd().split('\n').slice(-80);
      console.log(`  --- server output (last ${lines.length} lines) ---`);
      for (const line of lines) console.log(`    ${line}`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = (await main()) ? 0 : 1;
