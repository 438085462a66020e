import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

import { type Command, Option } from 'commander';
import {
  dbsyncConflictsQuerySchema,
  dbsyncKeepChoices,
  dbsyncMigrateRequestSchema,
  dbsyncPackageRequestSchema,
  dbsyncPrepareRequestSchema,
  dbsyncResolveRequestSchema,
  type DbSyncRule,
  dbsyncRules,
  dbsyncSyncRequestSchema,
} from '../../contracts/dbsync.dto.ts';
import { UserError } from '../../errors/errors.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { EXIT, print } from '../output.ts';
import { dbsyncFilesCommands } from './dbsync-files.command.ts';
import { collect, interruptible, list, parsed } from './dbsync-options.ts';
import {
  describeConflicts,
  describeDeploy,
  describeInstall,
  describePackage,
  describePrepare,
  describeStatus,
  describeSync,
  describeVerifyReport,
} from './dbsync-output.ts';

/** Checked before geosync opens: a typo should not cost a store start-up. */
async function assertLocalFile(file: string, option: string): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) {
    throw new UserError('local_file_not_found', `${option}: '${file}' is not a file on this machine`, {
      details: [{ field: option.replace(/^--/, ''), message: found ? 'not a file' : 'does not exist' }],
    });
  }
}

async function readLocalFile(file: string, option: string): Promise<string> {
  await assertLocalFile(file, option);
  return readFile(file, 'utf8');
}

function parseRules(pairs: string[]): Record<string, DbSyncRule> | undefined {
  if (pairs.length === 0) return undefined;
  const rules: Record<string, DbSyncRule> = {};
  for (const pair of list(pairs)) {
    const at = pair.lastIndexOf('=');
    const rule = pair.slice(at + 1) as DbSyncRule;
    if (at < 1 || !dbsyncRules.includes(rule)) {
      throw new UserError('invalid_input', `--rule '${pair}' must be schema.table=${dbsyncRules.join('|')}`, {
        details: [{ field: 'rules', message: pair }],
      });
    }
    rules[pair.slice(0, at)] = rule;
  }
  return rules;
}

function parseValue(text: string | undefined, keep: string): unknown {
  if (text === undefined) return undefined;
  if (keep !== 'value') {
    throw new UserError('invalid_input', '--value goes with --keep value', {
      details: [{ field: 'value', message: 'only with --keep value' }],
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UserError(
      'invalid_input',
      `--value must be JSON (a string in double quotes, a number, null...): ${text}`,
      {
        details: [{ field: 'value', message: 'not JSON' }],
      },
    );
  }
}

/** `geosync dbsync ...`: two-way database sync (docs/dbsync.md); every command takes --json. */
export function dbsyncCommand(program: Command): void {
  const group = program.command('dbsync').description('Two-way sync of a central PostgreSQL database and its clones');

  group
    .command('install')
    .description('Install the sync structures on a central, or upgrade them in place')
    .requiredOption('--central <db>', 'the central database connection')
    .action(async (opts: { central: string }, command: Command) => {
      const options = globals(command);
      const result = await withGeosync(options, (ctx) => ctx.dbsync.install(CLI_PRINCIPAL, opts.central));
      print(result, options, () => describeInstall(result));
    });

  group
    .command('prepare')
    .description("Make the schemas' tables syncable: uid columns, change capture, conflict rules")
    .requiredOption('--central <db>', 'the central database connection')
    .requiredOption('--schemas <a,b>', 'schemas to sync, comma-separated (repeatable)', collect)
    .option('--rule <schema.table=rule>', `a table's conflict rule: ${dbsyncRules.join(', ')} (repeatable)`, collect)
    .option('--sync-without-primary-key <schema.table>', 'sync a table that has no primary key (repeatable)', collect)
    .action(
      async (
        opts: { central: string; schemas: string[]; rule?: string[]; syncWithoutPrimaryKey?: string[] },
        command: Command,
      ) => {
        const options = globals(command);
        const input = parsed(
          dbsyncPrepareRequestSchema,
          {
            central: opts.central,
            schemas: list(opts.schemas),
            rules: parseRules(opts.rule ?? []),
            syncWithoutPrimaryKey: opts.syncWithoutPrimaryKey ? list(opts.syncWithoutPrimaryKey) : undefined,
          },
          'prepare options',
        );
        const result = await withGeosync(options, (ctx) => ctx.dbsync.prepare(CLI_PRINCIPAL, input));
        print(result, options, () => describePrepare(result));
      },
    );

  group
    .command('package')
    .description('Package the central (schemas, data, sync metadata) from one snapshot into a ZIP')
    .requiredOption('--central <db>', 'the central database connection')
    .requiredOption('--output <file>', 'the archive to write (replaced when it exists)')
    .option('--after-sql <file>', 'SQL file each clone runs at the end of its deploy')
    .action(async (opts: { central: string; output: string; afterSql?: string }, command: Command) => {
      const options = globals(command);
      const afterSql = opts.afterSql === undefined ? undefined : await readLocalFile(opts.afterSql, '--after-sql');
      const input = parsed(dbsyncPackageRequestSchema, { central: opts.central, afterSql }, 'package options');
      const result = await withGeosync(options, (ctx) =>
        interruptible((signal) =>
          ctx.dbsync.packageToFile(CLI_PRINCIPAL, { ...input, outputPath: opts.output }, { signal }),
        ),
      );
      print(result, options, () => describePackage(result));
    });

  group
    .command('deploy')
    .description('Deploy a package to a clone database, in one transaction')
    .requiredOption('--clone <db>', 'the clone database connection')
    .requiredOption('--archive <file>', 'the package (ZIP) to deploy')
    .option('--force', 'replace a clone whose changes the central has not received (they are saved first)')
    .action(async (opts: { clone: string; archive: string; force?: boolean }, command: Command) => {
      const options = globals(command);
      await assertLocalFile(opts.archive, '--archive');
      const result = await withGeosync(options, (ctx) =>
        interruptible((signal) =>
          ctx.dbsync.deployFile(
            CLI_PRINCIPAL,
            { clone: opts.clone, archivePath: opts.archive, force: opts.force === true },
            { signal },
          ),
        ),
      );
      print(result, options, () => describeDeploy(result));
    });

  group
    .command('sync')
    .description('Sync a clone with its central: central → clone, then clone → central (progress on stderr)')
    .requiredOption('--central <db>', 'the central database connection')
    .requiredOption('--clone <db>', 'the clone database connection')
    .option('--batch <n>', 'changes per batch (default: the dbsync.batchChanges setting)')
    .action(async (opts: { central: string; clone: string; batch?: string }, command: Command) => {
      const options = globals(command);
      const batchChanges = opts.batch === undefined ? undefined : Number(opts.batch);
      const input = parsed(
        dbsyncSyncRequestSchema,
        { central: opts.central, clone: opts.clone, batchChanges },
        'sync options',
      );
      const result = await withGeosync(options, (ctx) =>
        interruptible((signal) =>
          ctx.dbsync.sync(CLI_PRINCIPAL, input, {
            signal,
            onProgress: (phase, done, total) => process.stderr.write(`${phase}: batch ${done}/${total}\n`),
          }),
        ),
      );
      print(result, options, () => [describeSync(result), ...result.warnings.map((w) => `warning: ${w}`)].join('\n'));
    });

  group
    .command('status')
    .description("The central's clones, pending changes and recent runs; with --clone, pending changes each way")
    .requiredOption('--central <db>', 'the central database connection')
    .option('--clone <db>', 'a clone database connection')
    .action(async (opts: { central: string; clone?: string }, command: Command) => {
      const options = globals(command);
      const result = await withGeosync(options, (ctx) => ctx.dbsync.status(CLI_PRINCIPAL, opts));
      print(result, options, () => describeStatus(result));
    });

  group
    .command('verify')
    .description('Compare a clone with its central table by table (row hashes); exit 6 when they differ')
    .requiredOption('--central <db>', 'the central database connection')
    .requiredOption('--clone <db>', 'the clone database connection')
    .action(async (opts: { central: string; clone: string }, command: Command) => {
      const options = globals(command);
      const result = await withGeosync(options, (ctx) => ctx.dbsync.verify(CLI_PRINCIPAL, opts));
      print(result, options, () => describeVerifyReport(result));
      if (!result.equal) process.exitCode = EXIT.checkFailed;
    });

  const conflicts = group
    .command('conflicts')
    .description('Conflicts recorded on the central (and pushed by its clones)');
  conflicts
    .command('list')
    .description('List conflicts, newest first: base, central and clone values, the rule, the outcome')
    .requiredOption('--central <db>', 'the central database connection')
    .option('--pending', 'only those waiting for a decision')
    .option('--table <schema.table>', 'only this table')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (opts: { central: string; pending?: boolean; table?: string; limit: string }, command: Command) => {
      const options = globals(command);
      const query = parsed(
        dbsyncConflictsQuerySchema,
        { central: opts.central, outcome: opts.pending ? 'pending' : undefined, table: opts.table, limit: opts.limit },
        'conflicts options',
      );
      const page = await withGeosync(options, (ctx) => ctx.dbsync.conflicts(CLI_PRINCIPAL, query));
      print(page, options, () => describeConflicts(page));
    });
  conflicts
    .command('resolve <id>')
    .description('Resolve a conflict on the central; the choice reaches every node at its next sync')
    .requiredOption('--central <db>', 'the central database connection')
    .addOption(new Option('--keep <which>', 'what to keep').choices(dbsyncKeepChoices).makeOptionMandatory())
    .option('--value <json>', 'with --keep value: the value as JSON (e.g. \'"text"\', 12, null)')
    .action(async (id: string, opts: { central: string; keep: string; value?: string }, command: Command) => {
      const options = globals(command);
      if (!/^[1-9][0-9]{0,15}$/.test(id)) {
        throw new UserError('invalid_input', `'${id}' is not a conflict id (a number)`, {
          details: [{ field: 'id', message: 'not a number' }],
        });
      }
      const value = parseValue(opts.value, opts.keep);
      const input = parsed(
        dbsyncResolveRequestSchema,
        { central: opts.central, keep: opts.keep, ...(value !== undefined && { value }) },
        'resolve options',
      );
      const result = await withGeosync(options, (ctx) => ctx.dbsync.resolveConflict(CLI_PRINCIPAL, Number(id), input));
      print(
        result,
        options,
        () => `Resolved conflict ${result.id} (${result.table} ${result.rowUid}): kept ${opts.keep}`,
      );
    });

  group
    .command('migrate')
    .description('Run a schema change on the central; clones replay it at their next sync')
    .requiredOption('--central <db>', 'the central database connection')
    .requiredOption('--sql <file-or-statement>', 'a SQL file, or the DDL itself (repeatable)', collect)
    .option('--schemas <a,b>', 'schemas of new tables that join the sync (default: those already synced)', collect)
    .option('--description <text>', 'what the change is for')
    .action(
      async (opts: { central: string; sql: string[]; schemas?: string[]; description?: string }, command: Command) => {
        const options = globals(command);
        const statements = await Promise.all(
          opts.sql.map((s) => (existsSync(s) ? readLocalFile(s, '--sql') : Promise.resolve(s))),
        );
        const input = parsed(
          dbsyncMigrateRequestSchema,
          {
            central: opts.central,
            statements,
            description: opts.description,
            schemas: opts.schemas ? list(opts.schemas) : undefined,
          },
          'migrate options',
        );
        const result = await withGeosync(options, (ctx) => ctx.dbsync.migrate(CLI_PRINCIPAL, input));
        print(result, options, () =>
          [
            `${result.central} is at schema version ${result.schemaVersion}; clones replay the change at their next sync`,
            ...(result.newTables.length > 0 ? [`New synced tables: ${result.newTables.join(', ')}`] : []),
          ].join('\n'),
        );
      },
    );

  dbsyncFilesCommands(group);
}
