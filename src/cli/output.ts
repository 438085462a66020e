import { isGeosyncError } from '../errors/errors.ts';

/** Exit codes of every command (docs/cli.md). */
export const EXIT = {
  ok: 0,
  internal: 1,
  invalid: 2,
  notFound: 3,
  conflict: 4,
  unavailable: 5,
  checkFailed: 6,
} as const;

export interface OutputOptions {
  json?: boolean;
}

export function print(value: unknown, options: OutputOptions, human: () => string): void {
  process.stdout.write(options.json ? JSON.stringify(value, null, 2) + '\n' : human() + '\n');
}

/** A plain table: columns sized to their widest cell. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.join(',') || '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Turns any error into a message on stderr (or JSON on stdout) and an exit code. */
export function reportError(error: unknown, options: OutputOptions): number {
  let code: number = EXIT.internal;
  let body: { code: string; message: string; details?: unknown } = { code: 'internal', message: 'Internal error' };
  if (isGeosyncError(error)) {
    const status = 'status' in error && typeof error.status === 'number' ? error.status : 0;
    code =
      error.kind === 'operational'
        ? EXIT.unavailable
        : error.kind === 'unexpected'
          ? EXIT.internal
          : status === 404
            ? EXIT.notFound
            : status === 409
              ? EXIT.conflict
              : EXIT.invalid;
    body = {
      code: error.code,
      message: error.kind === 'unexpected' ? 'Internal error' : error.message,
      details: error.details.length ? error.details : undefined,
    };
  } else if (error instanceof Error) {
    body = { code: 'internal', message: error.message };
  }
  if (options.json) process.stdout.write(JSON.stringify({ error: body }, null, 2) + '\n');
  else process.stderr.write(`error: ${body.message}\n`);
  return code;
}
