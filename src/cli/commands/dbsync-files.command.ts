import type { Command } from 'commander';

import {
  dbsyncFilesGetRequestSchema,
  dbsyncFilesMediaRequestSchema,
  dbsyncFilesSendRequestSchema,
} from '../../contracts/dbsync.dto.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { print } from '../output.ts';
import { collect, interruptible, list, parsed } from './dbsync-options.ts';
import { describeFiles } from './dbsync-output.ts';

/** Progress on stderr, at most about once a second (a folder may hold many small files). */
function progress(): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done !== total && now - last < 1000) return;
    last = now;
    process.stderr.write(`files: ${done}/${total}\n`);
  };
}

/** `geosync dbsync files get|send|media`: the file algorithms over file-service connections. */
export function dbsyncFilesCommands(group: Command): void {
  const files = group
    .command('files')
    .description('File sync over file services (local, FTP, SFTP, S3): nothing deleted, conflicts kept beside');

  files
    .command('get')
    .description(
      "Projects and files from the central file service to a clone's; QGIS projects adapted with --central-db/--clone-db",
    )
    .requiredOption('--central-files <fs>', 'the central file service connection')
    .option('--central-dir <dir>', 'folder in it (default: its root)', '')
    .requiredOption('--clone-files <fs>', "the clone's file service connection")
    .option('--clone-dir <dir>', 'folder in it (default: its root)', '')
    .option('--exclude <dir>', 'a sub-folder never synced (repeatable, or comma-separated)', collect)
    .option('--central-db <db>', 'the central database connection QGIS projects point at...')
    .option(
      '--clone-db <db>',
      "...and the clone's, which they are pointed at (host, port, database, user; never a password)",
    )
    .action(
      async (
        opts: {
          centralFiles: string;
          centralDir: string;
          cloneFiles: string;
          cloneDir: string;
          exclude?: string[];
          centralDb?: string;
          cloneDb?: string;
        },
        command: Command,
      ) => {
        const options = globals(command);
        const input = parsed(
          dbsyncFilesGetRequestSchema,
          {
            centralFiles: opts.centralFiles,
            centralDir: opts.centralDir,
            cloneFiles: opts.cloneFiles,
            cloneDir: opts.cloneDir,
            exclude: list(opts.exclude),
            centralDatabase: opts.centralDb,
            cloneDatabase: opts.cloneDb,
          },
          'files get options',
        );
        const result = await withGeosync(options, (ctx) =>
          interruptible((signal) => ctx.dbsync.filesGet(CLI_PRINCIPAL, input, { signal, onProgress: progress() })),
        );
        print(result, options, () => describeFiles(result));
      },
    );

  files
    .command('send')
    .description("A local project folder to a clone's file service, projects as they are")
    .requiredOption('--local-files <fs>', 'the file service holding the projects')
    .option('--local-dir <dir>', 'folder in it (default: its root)', '')
    .requiredOption('--clone-files <fs>', "the clone's file service connection")
    .option('--clone-dir <dir>', 'folder in it (default: its root)', '')
    .option('--exclude <dir>', 'a sub-folder never sent (repeatable, or comma-separated)', collect)
    .action(
      async (
        opts: { localFiles: string; localDir: string; cloneFiles: string; cloneDir: string; exclude?: string[] },
        command: Command,
      ) => {
        const options = globals(command);
        const input = parsed(
          dbsyncFilesSendRequestSchema,
          { ...opts, exclude: list(opts.exclude) },
          'files send options',
        );
        const result = await withGeosync(options, (ctx) =>
          interruptible((signal) => ctx.dbsync.filesSend(CLI_PRINCIPAL, input, { signal, onProgress: progress() })),
        );
        print(result, options, () => describeFiles(result));
      },
    );

  files
    .command('media')
    .description("New files of the clone's media/upload/ to the central's (a file there is never replaced)")
    .requiredOption('--clone-files <fs>', "the clone's file service connection")
    .option('--clone-dir <dir>', 'the project folder in it (default: its root)', '')
    .requiredOption('--central-files <fs>', 'the central file service connection')
    .option('--central-dir <dir>', 'the project folder in it (default: its root)', '')
    .action(
      async (
        opts: { cloneFiles: string; cloneDir: string; centralFiles: string; centralDir: string },
        command: Command,
      ) => {
        const options = globals(command);
        const input = parsed(dbsyncFilesMediaRequestSchema, opts, 'files media options');
        const result = await withGeosync(options, (ctx) =>
          interruptible((signal) => ctx.dbsync.filesMedia(CLI_PRINCIPAL, input, { signal, onProgress: progress() })),
        );
        print(result, options, () => describeFiles(result));
      },
    );
}
