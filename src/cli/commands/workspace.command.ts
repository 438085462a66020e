import type { Command } from 'commander';

import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { print, table } from '../output.ts';

/** Workspaces own configurations and batches; who may see, run or edit them is granted in the web UI or API. */
export function workspaceCommand(program: Command): void {
  const workspace = program.command('workspace').description('Manage workspaces');

  workspace
    .command('add <name>')
    .description('Add a workspace')
    .option('--description <text>', 'what it is for', '')
    .action(async (name: string, opts: { description: string }, command: Command) => {
      const options = globals(command);
      const created = await withGeosync(options, (ctx) => ctx.workspaces.create(CLI_PRINCIPAL, name, opts.description));
      print(created, options, () => `Added workspace ${created.name}`);
    });

  workspace
    .command('list')
    .description('List workspaces')
    .action(async (_opts: unknown, command: Command) => {
      const options = globals(command);
      const page = await withGeosync(options, (ctx) => ctx.workspaces.list(CLI_PRINCIPAL, { limit: 500, offset: 0 }));
      print(page.items, options, () => table(page.items, ['name', 'description']));
    });
}
