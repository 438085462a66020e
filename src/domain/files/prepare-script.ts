import { spawn } from 'node:child_process';
import path from 'node:path';

import type { PrepareReport } from '../../contracts/files.dto.ts';
import { OperationalError, UserError } from '../../errors/errors.ts';

/** Bytes of each output stream kept (the end: where scripts report what went wrong). */
const OUTPUT_LIMIT = 8 * 1024;
/** Characters of output quoted in an error message. */
const MESSAGE_OUTPUT_LIMIT = 4000;

/** Keeps the last `limit` bytes of a stream. */
class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.limit * 2) this.trim();
  }

  private trim(): void {
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(all.length - this.limit)];
    this.size = this.limit;
    this.truncated = true;
  }

  text(): string {
    if (this.size > this.limit) this.trim();
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * The script's environment: the basics only. geosync's own environment can hold secrets (the
 * secret key, the store URL with its password) and the script's output is shown to the caller.
 */
function scriptEnvironment(workDir: string): NodeJS.ProcessEnv {
  const { PATH, LANG, HOME } = process.env;
  return { PATH: PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: LANG ?? 'C.UTF-8', HOME, TMPDIR: workDir };
}

/** Kills the script and every process it started (they share its process group). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export interface PrepareOptions {
  timeoutMs: number;
}

/**
 * Runs the prepare script with `file` as its only argument, without a shell (nothing in the
 * file name is interpreted). spawn, not execFile: execFile's timeout kills the script alone,
 * and a child it started (gdal_translate under a shell script) keeps the output pipes open,
 * so the call would hang; and its maxBuffer kills a talkative script instead of truncating.
 * The script runs in its own process group so a time-out kills the whole tree.
 */
export async function runPrepareScript(script: string, file: string, options: PrepareOptions): Promise<PrepareReport> {
  const workDir = path.dirname(file);
  const started = performance.now();
  const stdout = new OutputTail(OUTPUT_LIMIT);
  const stderr = new OutputTail(OUTPUT_LIMIT);
  const child = spawn(script, [file], {
    cwd: workDir,
    env: scriptEnvironment(workDir),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, options.timeoutMs);
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => clearTimeout(timer));

  if (ended.error) {
    const code = (ended.error as NodeJS.ErrnoException).code ?? 'unknown error';
    // The script's location is server configuration: the caller is not told where it is.
    throw new OperationalError(
      'prepare_script_unavailable',
      `The prepare script cannot be started (${code}); an administrator must check the files.prepareScript setting`,
      { cause: ended.error },
    );
  }
  // Output names the temporary upload folder; callers know their file by its upload path.
  const hide = (text: string) => text.replaceAll(workDir + path.sep, '').replaceAll(workDir, '.');
  const report: PrepareReport = {
    exitCode: ended.code ?? -1,
    durationMs: Math.round(performance.now() - started),
    stdout: hide(stdout.text()),
    stderr: hide(stderr.text()),
    truncated: stdout.truncated || stderr.truncated,
  };
  if (timedOut) {
    throw prepareError(
      'prepare_timed_out',
      `did not finish within ${options.timeoutMs / 1000} s and was stopped`,
      report,
    );
  }
  if (ended.signal) throw prepareError('prepare_failed', `was killed by ${ended.signal}`, report);
  if (ended.code !== 0) throw prepareError('prepare_failed', `failed with exit code ${ended.code}`, report);
  return report;
}

function prepareError(code: string, what: string, report: PrepareReport): UserError {
  const output = [report.stderr.trim(), report.stdout.trim()].filter(Boolean).join('\n');
  const quoted = output.length > MESSAGE_OUTPUT_LIMIT ? `…${output.slice(-MESSAGE_OUTPUT_LIMIT)}` : output;
  return new UserError(code, `The prepare script ${what}; nothing was uploaded. Output: ${quoted || '(none)'}`, {
    details: [{ field: 'prepare', message: `${what} (exit code ${report.exitCode})` }],
  });
}
