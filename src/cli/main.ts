import { Command, CommanderError } from 'commander';

import { batchCommand } from './commands/batch.command.ts';
import { configurationCommand } from './commands/configuration.command.ts';
import { connectionCommand } from './commands/connection.command.ts';
import { dbsyncCommand } from './commands/dbsync.command.ts';
import { fileCommand } from './commands/file.command.ts';
import { metadataTemplateCommand } from './commands/metadata-template.command.ts';
import { migrateCommand } from './commands/migrate.command.ts';
import { runCommand } from './commands/run.command.ts';
import { serveCommand } from './commands/serve.command.ts';
import { userCommand } from './commands/user.command.ts';
import { workspaceCommand } from './commands/workspace.command.ts';
import { EXIT, reportError } from './output.ts';

/** Command groups; a new group is added here. */
const COMMANDS = [
  serveCommand,
  migrateCommand,
  userCommand,
  workspaceCommand,
  connectionCommand,
  fileCommand,
  configurationCommand,
  batchCommand,
  runCommand,
  metadataTemplateCommand,
  dbsyncCommand,
];

export function buildProgram(): Command {
  const program = new Command('geosync')
    .description('geosync keeps a spatial data infrastructure in sync')
    .option('-c, --config <file>', 'settings file (YAML); default $GEOSYNC_CONFIG or ./geosync.yaml')
    .option('--json', 'print results as JSON')
    .exitOverride()
    .showHelpAfterError();
  for (const add of COMMANDS) add(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
      return;
    }
    process.exitCode = reportError(error, { json: argv.includes('--json') });
  }
}

await run(process.argv);
