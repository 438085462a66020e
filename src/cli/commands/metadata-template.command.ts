import type { Command } from 'commander';
import type { z } from 'zod';

import {
  createMetadataTemplateSchema,
  type MetadataTemplate,
  metadataTemplateLinkInputSchema,
  updateMetadataTemplateSchema,
} from '../../contracts/metadata-templates.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { templateNotFound } from '../../domain/metadata-templates/template-rows.ts';
import { UserError } from '../../errors/errors.ts';
import { invalidInput } from '../../errors/zod-details.ts';
import { CLI_PRINCIPAL, globals, withGeosync } from '../cli-context.ts';
import { print, table } from '../output.ts';

const ALL = { limit: 100_000, offset: 0 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A template reference: its id, `workspace/name`, or a name alone when only one workspace has it. */
async function resolveTemplate(ctx: GeosyncContext, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref; // the service says whether it exists
  const slash = ref.indexOf('/');
  if (slash >= 0) return ctx.metadataTemplates.idByName(CLI_PRINCIPAL, ref.slice(0, slash), ref.slice(slash + 1));
  const matches = (await ctx.metadataTemplates.list(CLI_PRINCIPAL, ALL)).items.filter((t) => t.name === ref);
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw templateNotFound(ref);
  const where = matches.map((t) => `${t.workspace}/${t.name}`).join(', ');
  throw new UserError('ambiguous_name', `'${ref}' is in several workspaces (${where}); give workspace/name`);
}

function parsed<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidInput(result.error, what);
  return result.data;
}

/** `HREF,TYPE,FORMAT`: split at the last two commas (a URL may hold commas). */
function metadataLink(spec: string): { href: string; type: string; format: string } {
  const parts = spec.split(',');
  if (parts.length < 3) {
    throw new UserError('invalid_input', `--metadata-link '${spec}' must be HREF,TYPE,FORMAT`, {
      details: [{ field: 'metadataLinks', message: 'HREF,TYPE,FORMAT' }],
    });
  }
  const format = parts.pop()!;
  const type = parts.pop()!;
  return { href: parts.join(','), type, format };
}

/** `[workspace:]layer` on a map server (default: the local map server). */
function linkInput(layer: string, mapServer: string) {
  const colon = layer.indexOf(':');
  const input = colon >= 0 ? { workspace: layer.slice(0, colon), layer: layer.slice(colon + 1) } : { layer };
  return parsed(metadataTemplateLinkInputSchema, { mapServer, ...input }, 'link');
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function describe(t: MetadataTemplate): string {
  return [
    `Metadata template ${t.workspace}/${t.name} (${t.id})`,
    `title: ${t.title ?? '-'}`,
    `abstract: ${t.abstract ?? '-'}`,
    `keywords: ${t.keywords.join(', ') || '-'}`,
    'Metadata links:',
    table(t.metadataLinks, ['href', 'type', 'format']),
    'Linked layers:',
    table(t.links, ['mapServer', 'workspace', 'layer']),
  ].join('\n');
}

interface FieldOptions {
  title?: string | false;
  abstract?: string | false;
  keyword?: string[] | false;
  metadataLink?: string[] | false;
}

/** Options to fields: `--no-title` (false) clears, like null in the API. */
function fields(opts: FieldOptions) {
  const clear = <T>(value: T | false | undefined, empty: T) => (value === false ? empty : value);
  return {
    ...(opts.title !== undefined && { title: clear(opts.title, null) }),
    ...(opts.abstract !== undefined && { abstract: clear(opts.abstract, null) }),
    ...(opts.keyword !== undefined && { keywords: clear(opts.keyword, []) }),
    ...(opts.metadataLink !== undefined && {
      metadataLinks: opts.metadataLink === false ? [] : opts.metadataLink.map(metadataLink),
    }),
  };
}

function withFieldOptions(command: Command, clearing: boolean): Command {
  command
    .option('--title <text>', 'title the layers get')
    .option('--abstract <text>', 'abstract the layers get')
    .option('--keyword <word>', 'a keyword (repeat for more)', collect)
    .option('--metadata-link <href,type,format>', 'a metadata link (repeat for more)', collect);
  if (clearing) {
    command
      .option('--no-title', 'layers keep their own title')
      .option('--no-abstract', 'layers keep their own abstract')
      .option('--no-keyword', 'layers keep their own keywords')
      .option('--no-metadata-link', 'layers keep their own metadata links');
  }
  return command;
}

/** Metadata templates: `geosync metadata-template list|show|create|update|delete|link|unlink`. */
export function metadataTemplateCommand(program: Command): void {
  const group = program
    .command('metadata-template')
    .alias('metadata-templates')
    .description('Metadata templates linked to layers: a reference is an id or workspace/name');

  group
    .command('list')
    .description('List metadata templates')
    .option('--workspace <name>', 'only this workspace')
    .action(async (opts: { workspace?: string }, command: Command) => {
      const options = globals(command);
      const page = await withGeosync(options, (ctx) =>
        ctx.metadataTemplates.list(CLI_PRINCIPAL, { ...ALL, workspace: opts.workspace }),
      );
      print(page.items, options, () => table(page.items, ['workspace', 'name', 'title', 'linkCount', 'id']));
    });

  group
    .command('show <ref>')
    .description('Show a template: its fields and linked layers')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const options = globals(command);
      const found = await withGeosync(options, async (ctx) =>
        ctx.metadataTemplates.get(CLI_PRINCIPAL, await resolveTemplate(ctx, ref)),
      );
      print(found, options, () => describe(found));
    });

  withFieldOptions(group.command('create <workspace/name>'), false)
    .description('Create a template in a workspace')
    .action(async (ref: string, opts: FieldOptions, command: Command) => {
      const options = globals(command);
      const [workspace, name, extra] = ref.split('/');
      if (!workspace || !name || extra !== undefined) {
        throw new UserError('invalid_input', `Name the template as workspace/name, not '${ref}'`);
      }
      const input = parsed(createMetadataTemplateSchema, { workspace, name, ...fields(opts) }, 'template');
      const created = await withGeosync(options, (ctx) => ctx.metadataTemplates.create(CLI_PRINCIPAL, input));
      print(created, options, () => `Created metadata template ${created.workspace}/${created.name} (${created.id})`);
    });

  withFieldOptions(group.command('update <ref>'), true)
    .description('Change a template (only the options given)')
    .option('--name <name>', 'new name')
    .action(async (ref: string, opts: FieldOptions & { name?: string }, command: Command) => {
      const options = globals(command);
      const change = parsed(updateMetadataTemplateSchema, { name: opts.name, ...fields(opts) }, 'change');
      const updated = await withGeosync(options, async (ctx) =>
        ctx.metadataTemplates.update(CLI_PRINCIPAL, await resolveTemplate(ctx, ref), change),
      );
      print(updated, options, () => describe(updated));
    });

  group
    .command('delete <ref>')
    .description('Delete a template; one with linked layers needs --force')
    .option('--force', 'also when layers are linked (the links go too)')
    .action(async (ref: string, opts: { force?: boolean }, command: Command) => {
      const options = globals(command);
      const result = await withGeosync(options, async (ctx) =>
        ctx.metadataTemplates.remove(CLI_PRINCIPAL, await resolveTemplate(ctx, ref), opts.force === true),
      );
      print(result, options, () => `Deleted metadata template ${ref} (${result.unlinked} link(s) removed)`);
    });

  for (const verb of ['link', 'unlink'] as const) {
    group
      .command(`${verb} <ref> <layer>`)
      .description(
        verb === 'link' ? 'Link a layer ([workspace:]layer) to a template' : 'Unlink a layer ([workspace:]layer)',
      )
      .option('--map-server <name>', 'the map server connection the layer is on (default: the local map server)')
      .action(async (ref: string, layer: string, opts: { mapServer?: string }, command: Command) => {
        const options = globals(command);
        const result = await withGeosync(options, async (ctx) => {
          const input = linkInput(layer, opts.mapServer ?? ctx.config.publication.localMapServer);
          const id = await resolveTemplate(ctx, ref);
          return ctx.metadataTemplates[verb](CLI_PRINCIPAL, id, input);
        });
        const done = verb === 'link' ? 'Linked' : 'Unlinked';
        print(result, options, () => `${done} ${layer}; ${result.links.length} layer(s) linked to ${result.name}`);
      });
  }
}
