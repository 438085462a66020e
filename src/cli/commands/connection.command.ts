import type { Command } from 'commander';

import { connectionKindSchema, type ConnectionKind } from '../../contracts/connections.dto.ts';
import { UserError } from '../../errors/errors.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { EXIT, print, table } from '../output.ts';
import { readSecretFromStdin } from '../read-secret.ts';

function parseKind(kind: string | undefined): ConnectionKind | undefined {
  if (kind === undefined) return undefined;
  const parsed = connectionKindSchema.safeParse(kind);
  if (!parsed.success) {
    throw new UserError('invalid_input', `--kind must be one of ${connectionKindSchema.options.join(', ')}`);
  }
  return parsed.data;
}

/** `key=value` pairs; values that read as JSON (numbers, true, arrays) are taken as such. */
function parseSettings(pairs: string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UserError('invalid_input', `--set expects key=value, got '${pair}'`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    config[pair.slice(0, at)] = value;
  }
  return config;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function connectionCommand(program: Command): void {
  const connection = program
    .command('connection')
    .description('Manage connections (databases, file services, map servers)');

  connection
    .command('list')
    .description('List connections')
    .option('--kind <kind>', 'only this kind: database, file_service, map_server, peer')
    .action(async (opts: { kind?: string }, command: Command) => {
      const options = globals(command);
      const kind = parseKind(opts.kind);
      const page = await withGeosync(options, (ctx) =>
        ctx.connections.list(CLI_PRINCIPAL, { limit: 500, offset: 0 }, kind),
      );
      print(page.items, options, () => table(page.items, ['name', 'kind', 'type', 'builtin', 'roles', 'description']));
    });

  connection
    .command('add <name>')
    .description('Add a connection: --type TYPE and its settings as --set key=value (repeatable)')
    .requiredOption('--type <type>', 'connection type, e.g. postgis, local-files')
    .option('--set <key=value>', 'a setting (repeatable)', collect, [])
    .option('--secret-stdin <key>', 'read this secret setting (e.g. password) from standard input')
    .option('--description <text>', 'description', '')
    .option('--roles <roles>', 'comma-separated roles that may use it; "" = admins only; default everyone')
    .action(
      async (
        name: string,
        opts: { type: string; set: string[]; secretStdin?: string; description: string; roles?: string },
        command: Command,
      ) => {
        const options = globals(command);
        const config = parseSettings(opts.set);
        if (opts.secretStdin) config[opts.secretStdin] = await readSecretFromStdin(opts.secretStdin);
        const roles =
          opts.roles === undefined
            ? null
            : opts.roles
                .split(',')
                .map((r) => r.trim())
                .filter(Boolean);
        const created = await withGeosync(options, (ctx) =>
          ctx.connections.create({ name, type: opts.type, description: opts.description, config, roles }),
        );
        print(created, options, () => `Added ${created.kind} connection ${created.name} (${created.type})`);
      },
    );

  connection
    .command('test <name>')
    .description('Check that a connection works (exit code 6 when it does not)')
    .option('--kind <kind>', 'the kind, when several connections share the name')
    .action(async (name: string, opts: { kind?: string }, command: Command) => {
      const options = globals(command);
      const kind = parseKind(opts.kind);
      const result = await withGeosync(options, async (ctx) => {
        const found = await ctx.connections.resolve(CLI_PRINCIPAL, name, kind);
        return ctx.connections.test(CLI_PRINCIPAL, found.id);
      });
      print(result, options, () => `${result.ok ? 'OK' : 'FAILED'}: ${result.message} (${result.durationMs} ms)`);
      if (!result.ok) process.exitCode = EXIT.checkFailed;
    });

  connection
    .command('remove <name>')
    .description('Remove a connection')
    .option('--kind <kind>', 'the kind, when several connections share the name')
    .action(async (name: string, opts: { kind?: string }, command: Command) => {
      const options = globals(command);
      const kind = parseKind(opts.kind);
      const removed = await withGeosync(options, async (ctx) => {
        const found = await ctx.connections.resolve(CLI_PRINCIPAL, name, kind);
        await ctx.connections.remove(CLI_PRINCIPAL, found.id);
        return found;
      });
      print(
        { removed: removed.id, name: removed.name, kind: removed.kind },
        options,
        () => `Removed ${removed.kind} connection ${removed.name}`,
      );
    });
}
