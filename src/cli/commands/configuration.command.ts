import { readFileSync, writeFileSync } from 'node:fs';
import { text as readAll } from 'node:stream/consumers';

import type { Command } from 'commander';

import type { Configuration } from '../../contracts/configurations.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { bulkImportFromCsv } from '../../domain/configurations/bulk-import.ts';
import {
  type DocumentFormat,
  parseDocument,
  serializeDocument,
} from '../../domain/configurations/formats/document-format.ts';
import { importTaskManagerXml } from '../../domain/configurations/formats/taskmanager-xml.ts';
import { notFound, UserError } from '../../errors/errors.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { EXIT, print, table } from '../output.ts';

const ALL = { limit: 100_000, offset: 0 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A configuration (or template) reference: its id, `workspace/name`, or a name alone when only one
 * workspace has it. Names are looked up through the same list the API serves.
 */
export async function resolveConfiguration(ctx: GeosyncContext, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref; // the service says whether it exists
  const slash = ref.indexOf('/'); // workspace names have no '/'; configuration names might
  const workspace = slash >= 0 ? ref.slice(0, slash) : undefined;
  const name = slash >= 0 ? ref.slice(slash + 1) : ref;
  const page = await ctx.configurations.list(CLI_PRINCIPAL, { ...ALL, workspace, search: name });
  const matches = page.items.filter((c) => c.name === name);
  if (matches.length === 0) throw notFound('Configuration', ref);
  if (matches.length > 1) {
    const where = matches.map((c) => `${c.workspace}/${c.name}`).join(', ');
    throw new UserError('ambiguous_name', `'${name}' is in several workspaces (${where}); give workspace/name`);
  }
  return matches[0]!.id;
}

/** A file's text, or standard input for `-`. Read before the store opens, so a wrong path fails fast. */
async function readInput(file: string): Promise<string> {
  if (file === '-') return readAll(process.stdin);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      'unreadable_file',
      code === 'ENOENT' ? `File '${file}' does not exist` : `Cannot read '${file}': ${(error as Error).message}`,
    );
  }
}

const refOf = (c: Pick<Configuration, 'workspace' | 'name'>) => `${c.workspace}/${c.name}`;
const problemLines = (c: Pick<Configuration, 'problems'>) => c.problems.map((p) => `  ${p.location}: ${p.message}`);

/** One line on what was created or checked, then its validation problems, if any. */
function summary(verb: string, c: Configuration): string {
  const kind = c.template ? 'template' : 'configuration';
  const state = c.problems.length ? `${c.problems.length} validation problem(s):` : c.template ? 'valid' : 'validated';
  return [`${verb} ${kind} ${refOf(c)} (${c.id}): ${state}`, ...problemLines(c)].join('\n');
}

function withMissing(c: Configuration) {
  return { ...c, attributes: c.attributes.map((a) => ({ ...a, missing: a.required && !a.value })) };
}

function describeConfiguration(c: ReturnType<typeof withMissing>): string {
  // drift is null when the template is gone: nothing to compare with.
  const drift = c.drift === null ? 'the template was removed' : c.drift ? 'the template changed since' : 'no drift';
  const origin = c.templateId ? [`from template ${c.templateId}; ${drift}`] : [];
  const tasks = c.tasks.map((t) => ({
    ...t,
    parameters: Object.entries(t.parameters)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  }));
  return [
    `${c.template ? 'Template' : 'Configuration'} ${refOf(c)} (${c.id})${c.template ? '' : c.validated ? ', validated' : ', not validated'}`,
    ...(c.description ? [c.description] : []),
    ...origin,
    '',
    'Attributes:',
    table(c.attributes, ['name', 'value', 'required', 'missing', 'usedBy']),
    '',
    'Tasks:',
    table(tasks, ['name', 'type', 'parameters']),
    '',
    'Batches:',
    table(c.batches, ['name', 'enabled', 'tasks', 'id']),
    '',
    c.problems.length ? `Problems:\n${problemLines(c).join('\n')}` : 'No validation problems',
  ].join('\n');
}

function parseFormat(format: string | undefined, output: string | undefined): DocumentFormat {
  if (format === undefined) return output && /\.ya?ml$/i.test(output) ? 'yaml' : 'json';
  if (format === 'json' || format === 'yaml') return format;
  throw new UserError('invalid_input', '--format must be json or yaml');
}

interface ListOptions {
  workspace?: string;
  templates?: boolean;
}

async function listAction(opts: ListOptions, command: Command): Promise<void> {
  const options = globals(command);
  const template = opts.templates === undefined ? undefined : opts.templates ? 'true' : 'false';
  const page = await withGeosync(options, (ctx) =>
    ctx.configurations.list(CLI_PRINCIPAL, { ...ALL, workspace: opts.workspace, template }),
  );
  print(page.items, options, () => table(page.items, ['workspace', 'name', 'template', 'validated', 'id']));
}

export function configurationCommand(program: Command): void {
  const configuration = program
    .command('configuration')
    .description('Configurations and templates: a reference is an id or workspace/name');

  configuration
    .command('list')
    .description('List configurations and templates')
    .option('--workspace <name>', 'only this workspace')
    .option('--templates', 'only templates')
    .option('--no-templates', 'only configurations')
    .action(listAction);

  program
    .command('template')
    .description('Templates (configurations marked as templates)')
    .command('list')
    .description('List templates (configuration list --templates)')
    .option('--workspace <name>', 'only this workspace')
    .action((opts: ListOptions, command: Command) => listAction({ ...opts, templates: true }, command));

  configuration
    .command('show <ref>')
    .description('Show attributes (required, missing), tasks, batches, validation problems and drift')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      const found = await withGeosync(options, async (ctx) =>
        ctx.configurations.get(CLI_PRINCIPAL, await resolveConfiguration(ctx, ref)),
      );
      const shown = withMissing(found);
      print(shown, options, () => describeConfiguration(shown));
    });

  configuration
    .command('validate <ref>')
    .description('Validate and record the result (exit 6 when there are problems)')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      const checked = await withGeosync(options, async (ctx) =>
        ctx.configurations.validate(CLI_PRINCIPAL, await resolveConfiguration(ctx, ref)),
      );
      const { id, workspace, name, template, validated, problems } = checked;
      print({ id, workspace, name, template, validated, problems }, options, () => summary('Checked', checked));
      if (problems.length > 0) process.exitCode = EXIT.checkFailed;
    });

  configuration
    .command('export <ref>')
    .description('Export as a versioned JSON or YAML document (to standard output unless --output)')
    .option('--format <format>', 'json or yaml (default: from the --output extension, else json)')
    .option('-o, --output <file>', 'write the document to this file')
    .action(async (ref: string, opts: { format?: string; output?: string }, command: Command) => {
      const options = globals(command);
      const format = parseFormat(opts.format, opts.output);
      const document = await withGeosync(options, async (ctx) =>
        ctx.configurations.exportDocument(CLI_PRINCIPAL, await resolveConfiguration(ctx, ref)),
      );
      const text = serializeDocument(document, format);
      if (!opts.output) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(opts.output, text);
      } catch (error) {
        throw new UserError('unwritable_file', `Cannot write '${opts.output}': ${(error as Error).message}`);
      }
      print({ file: opts.output, format, workspace: document.workspace, name: document.name }, options, () => {
        return `Exported ${document.workspace}/${document.name} to ${opts.output} (${format})`;
      });
    });

  configuration
    .command('import <file>')
    .description('Import a JSON or YAML document (- reads standard input); its batches start disabled')
    .option('--workspace <name>', "workspace to import into (default: the document's)")
    .option('--name <name>', "name to give it (default: the document's)")
    .action(async (file: string, opts: { workspace?: string; name?: string }, command: Command) => {
      const options = globals(command);
      const document = parseDocument(await readInput(file));
      const created = await withGeosync(options, (ctx) =>
        ctx.configurations.importDocument(CLI_PRINCIPAL, document, opts),
      );
      print(created, options, () => summary('Imported', created));
    });

  configuration
    .command('import-taskmanager <file>')
    .description('Import a GeoServer Task Manager XML export (- reads standard input), printing warnings')
    .requiredOption('--workspace <name>', 'workspace to import into')
    .option('--name <name>', "name to give it (default: the export's)")
    .option('--template', 'import as a template')
    .option('--no-template', 'import as a configuration (default: as the export says)')
    .action(async (file: string, opts: { workspace: string; name?: string; template?: boolean }, command: Command) => {
      const options = globals(command);
      const { document, warnings } = importTaskManagerXml(await readInput(file));
      if (opts.template !== undefined) document.template = opts.template;
      const created = await withGeosync(options, (ctx) =>
        ctx.configurations.importDocument(CLI_PRINCIPAL, document, { workspace: opts.workspace, name: opts.name }),
      );
      print({ configuration: created, warnings }, options, () =>
        [summary('Imported', created), ...warnings.map((w) => `warning: ${w}`)].join('\n'),
      );
    });

  configuration
    .command('remove <ref>')
    .description('Remove a configuration or template (its run history is kept)')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      const removed = await withGeosync(options, async (ctx) => {
        const found = await ctx.configurations.get(CLI_PRINCIPAL, await resolveConfiguration(ctx, ref));
        await ctx.configurations.remove(CLI_PRINCIPAL, found.id);
        return found;
      });
      print({ removed: removed.id, workspace: removed.workspace, name: removed.name }, options, () => {
        return `Removed ${removed.template ? 'template' : 'configuration'} ${refOf(removed)}`;
      });
    });

  configuration
    .command('bulk-import <csv>')
    .description(
      'Create one configuration per CSV row from a template (- reads standard input; exit 6 if a row failed)',
    )
    .requiredOption('--template <ref>', 'the template to copy (id or workspace/name)')
    .action(async (file: string, opts: { template: string }, command: Command) => {
      const options = globals(command);
      const csv = await readInput(file);
      const result = await withGeosync(options, async (ctx) =>
        bulkImportFromCsv(ctx.configurations, CLI_PRINCIPAL, await resolveConfiguration(ctx, opts.template), csv),
      );
      print(result, options, () =>
        [
          table(
            result.rows.map((r) => ({ ...r })),
            ['line', 'name', 'ok', 'validated', 'id', 'message'],
          ),
          `Created ${result.created}, failed ${result.failed}`,
        ].join('\n'),
      );
      if (result.failed > 0) process.exitCode = EXIT.checkFailed;
    });
}
