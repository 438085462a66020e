import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

import type { Command } from 'commander';

import type { FileUploadResult } from '../../contracts/files.dto.ts';
import { isGeosyncError, UserError } from '../../errors/errors.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { EXIT, print, reportError, table } from '../output.ts';

/** A prepare script that ran and failed is a failed check (exit 6), not bad input. */
const PREPARE_FAILURES = new Set(['prepare_failed', 'prepare_timed_out']);

/** Checks the local file before geosync opens: a typo should not cost a store start-up. */
async function assertLocalFile(localFile: string): Promise<void> {
  const found = await stat(localFile).catch(() => undefined);
  if (!found?.isFile()) {
    throw new UserError('local_file_not_found', `'${localFile}' is not a file on this machine`, {
      details: [{ field: 'local-file', message: found ? 'not a file' : 'does not exist' }],
    });
  }
}

function describeUpload(result: FileUploadResult): string {
  const lines = [`Uploaded ${result.file.path} (${result.file.size} bytes) to ${result.connection}`];
  if (result.prepare) {
    const output = [result.prepare.stdout, result.prepare.stderr].join('').trimEnd();
    lines.unshift(
      `Prepare script done in ${result.prepare.durationMs} ms${output ? ':' : ''}`,
      ...(output ? [output] : []),
    );
  }
  return lines.join('\n');
}

export function fileCommand(program: Command): void {
  const file = program.command('file').description('Browse and upload files of file-service connections');

  file
    .command('list <connection> [dir]')
    .description('List a folder of a file service (default its root)')
    .action(async (connection: string, dir: string | undefined, _opts: unknown, command: Command) => {
      const options = globals(command);
      const listing = await withGeosync(options, (ctx) => ctx.files.list(CLI_PRINCIPAL, connection, dir ?? ''));
      const rows = listing.items.map((e) => ({ ...e, name: e.isDirectory ? `${e.name}/` : e.name }));
      print(listing, options, () => table(rows, ['name', 'size', 'modified']));
    });

  file
    .command('upload <connection> <local-file> <path>')
    .description('Upload a local file to PATH in a file service, replacing a file there')
    .option('--prepare', 'run the prepare script (files.prepareScript) on it first; exit 6 when the script fails')
    .action(
      async (connection: string, localFile: string, target: string, opts: { prepare?: boolean }, command: Command) => {
        const options = globals(command);
        await assertLocalFile(localFile);
        try {
          const result = await withGeosync(options, (ctx) =>
            ctx.files.upload(CLI_PRINCIPAL, connection, target, createReadStream(localFile), { prepare: opts.prepare }),
          );
          print(result, options, () => describeUpload(result));
        } catch (error) {
          if (!isGeosyncError(error) || !PREPARE_FAILURES.has(error.code)) throw error;
          reportError(error, options);
          process.exitCode = EXIT.checkFailed;
        }
      },
    );
}
