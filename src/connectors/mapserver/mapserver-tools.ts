import { execFile } from 'node:child_process';

/** The MapServer and MapCache programs geosync runs, found on PATH (Debian: mapserver-bin, mapcache-tools). */
export const tools = { map2img: 'map2img', mapserv: 'mapserv', mapcacheSeed: 'mapcache_seed' } as const;

export interface ToolResult {
  code: number;
  /** stdout and stderr together, trimmed. */
  output: string;
}

/**
 * Runs a program to its end (never through a shell), within `signal` and `timeoutMs`. A missing
 * program rejects with ENOENT; a non-zero exit resolves with its code.
 */
export function runTool(
  file: string,
  args: string[],
  signal: AbortSignal,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { signal, timeout: options.timeoutMs ?? 120_000, maxBuffer: 4 * 1024 * 1024, env: options.env, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`.trim();
        if (!error) return resolve({ code: 0, output });
        if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        if (typeof error.code === 'number') return resolve({ code: error.code, output });
        if (error.killed) return resolve({ code: -1, output: `${output}\n(timed out)`.trim() });
        reject(Object.assign(new Error(error.message, { cause: error }), { code: error.code }));
      },
    );
  });
}

/** MapServer's error lines without its HTML line breaks and the missing-config notice. */
export function mapserverMessage(output: string): string {
  return output
    .split('\n')
    .map((line) => line.replace(/\s*<br>\s*$/i, '').trim())
    .filter((line) => line !== '' && !line.startsWith('msLoadConfig()'))
    .join('; ');
}
