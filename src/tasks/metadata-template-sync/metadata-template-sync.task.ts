import { z } from 'zod';

import type { LayerRef } from '../../connectors/publisher.ts';
import { UnexpectedError, UserError } from '../../errors/errors.ts';
import { layerKey, layerLabel } from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';
import { type LayerBefore, layersToChange, restoreMetadata } from './layer-metadata.ts';

const parameters = z.strictObject({
  'external-geoserver': param.mapServer('The map server whose layers get the template (may be the local one)'),
  'metadata-template': param.string('The metadata template, by name, of the configuration’s workspace'),
});
type Parameters = z.infer<typeof parameters>;

/** Error codes of map servers for a layer name they cannot have (so the layer is missing there). */
const UNUSABLE_NAME = new Set(['invalid_layer', 'invalid_layer_name']);

/** What a run records per linked layer it changes, before changing any. */
interface StagedTemplateMetadata extends Record<string, unknown> {
  mapServer: string;
  template: string;
  layer: LayerRef;
  /** The live layer and/or the temp layer of a publication in the same run, with their metadata before. */
  targets: LayerBefore[];
}

function templateNotFound(name: string): UserError {
  return new UserError(
    'metadata_template_not_found',
    `Metadata template '${name}' does not exist in the workspace of this configuration`,
    { status: 404, details: [{ field: 'metadata-template', message: 'does not exist' }] },
  );
}

/**
 * Writes a metadata template's fields (title, abstract, keywords, metadata links: those the
 * template sets) onto every layer linked to it, on one map server; the layers' other metadata
 * stays. Linked layers of that map server count, and layers linked on the local map server (a
 * remote publication gives them the same name on the target). Compensatable: the previous
 * metadata of every layer is recorded before the first change, and rollback puts it back.
 * A linked layer the target lacks is reported in the message (a warning each), not an error,
 * as in the Task Manager.
 */
export const metadataTemplateSyncTask: TaskType<Parameters> = {
  type: 'MetadataTemplateSync',
  title: 'Apply a metadata template to its layers',
  description: 'Updates every layer linked to a metadata template on a map server; rollback restores their metadata',
  capability: 'compensatable',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const mapServer = params['external-geoserver'];
    const name = params['metadata-template'];
    const templates = ctx.services.metadataTemplates;
    if (!templates) throw new UnexpectedError('no_metadata_templates', 'Metadata templates are not available here');
    const template = await templates.forRun(ctx.runId, name);
    if (!template) throw templateNotFound(name);
    const publisher = await ctx.services.connections.mapServer(mapServer);
    const local = ctx.services.connections.localMapServer;

    const seen = new Set<string>();
    const found: StagedTemplateMetadata[] = [];
    const missing: string[] = [];
    for (const link of template.links) {
      if (link.mapServer !== mapServer && link.mapServer !== local) {
        ctx.log('info', `Skipped ${layerLabel(link.workspace, link.layer)}: linked on map server '${link.mapServer}'`);
        continue;
      }
      const key = layerKey(mapServer, link.workspace, link.layer);
      if (seen.has(key)) continue;
      seen.add(key);
      const label = layerLabel(link.workspace, link.layer);
      const targets = await layersToChange(publisher, mapServer, link.workspace, link.layer, ctx).catch(
        (error: unknown) => {
          // A name the target cannot hold (GeoServer needs a workspace) is not there either;
          // anything else (refused credentials, a server down) fails the task.
          if (!(error instanceof UserError) || !UNUSABLE_NAME.has(error.code)) throw error;
          ctx.log('warn', `Map server '${mapServer}' cannot have layer '${label}': ${error.message}`);
          return undefined;
        },
      );
      if (targets?.length === 0) {
        ctx.log('warn', `Map server '${mapServer}' has no layer '${label}' (linked to template '${name}')`);
      }
      if (!targets?.length) {
        missing.push(label);
        continue;
      }
      const layer: LayerRef = { ...(link.workspace !== undefined && { workspace: link.workspace }), name: link.layer };
      found.push({ mapServer, template: name, layer, targets });
    }
    // Every previous state is in the ledger before the first layer changes.
    for (const staged of found) {
      await ctx.stage({
        kind: 'metadata',
        name: layerKey(mapServer, staged.layer.workspace, staged.layer.name),
        data: staged,
      });
    }
    for (const staged of found) {
      for (const target of staged.targets) {
        await publisher.updateMetadata(target.ref, { ...target.previous, ...template.metadata }, ctx.signal);
      }
    }
    const updated = `Applied metadata template '${name}' to ${found.length} layer(s) on ${mapServer}`;
    return { message: missing.length > 0 ? `${updated}; missing there: ${missing.join(', ')}` : updated };
  },
  async commitStaged(object, ctx) {
    const staged = object.data as StagedTemplateMetadata;
    ctx.log('info', `Metadata of ${layerLabel(staged.layer.workspace, staged.layer.name)} on ${staged.mapServer} kept`);
  },
  async rollbackStaged(object, ctx) {
    const staged = object.data as StagedTemplateMetadata;
    const publisher = await ctx.services.connections.mapServer(staged.mapServer);
    for (const target of staged.targets) await restoreMetadata(publisher, target, ctx);
  },
};
