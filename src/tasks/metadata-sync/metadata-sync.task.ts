import { z } from 'zod';

import type { LayerMetadata, LayerRef, Publisher } from '../../connectors/publisher.ts';
import {
  layerKey,
  layerLabel,
  layerNotFound,
  layerRef,
  type StagedLayer,
} from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskActionContext, TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'map-server': param.mapServer('The map server holding the layer (default: the local map server)').optional(),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The layer whose metadata is updated'),
  title: param.string('The new title (kept when omitted)').optional(),
  abstract: param.string('The new abstract (kept when omitted)').optional(),
  keywords: param.string('The new keywords, comma-separated (kept when omitted)').optional(),
});
type Parameters = z.infer<typeof parameters>;

/** One layer whose metadata the run changed, with what it had before. */
interface MetadataTarget extends Record<string, unknown> {
  ref: LayerRef;
  previous: LayerMetadata;
}

/** What a MetadataSync run records: the metadata before and after, per layer it changed. */
interface StagedMetadata extends Record<string, unknown> {
  mapServer: string;
  ref: LayerRef;
  /** The metadata before the run (of the live layer, else of the layer being published in the run). */
  previous: LayerMetadata;
  metadata: LayerMetadata;
  /** Every layer changed: the live one and/or the temp layer an earlier publication task staged. */
  targets: MetadataTarget[];
}

function keywordList(text: string): string[] {
  return text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/** The previous metadata with only the parameters given replaced. */
function merged(previous: LayerMetadata, params: Parameters): LayerMetadata {
  return {
    ...previous,
    ...(params.title !== undefined && { title: params.title }),
    ...(params.abstract !== undefined && { abstract: params.abstract }),
    ...(params.keywords !== undefined && { keywords: keywordList(params.keywords) }),
  };
}

async function restore(publisher: Publisher, target: MetadataTarget, ctx: TaskActionContext): Promise<void> {
  if (!(await publisher.getLayer(target.ref, ctx.signal))) {
    ctx.log('info', `Layer ${target.ref.name} is gone: no metadata to restore`);
    return;
  }
  await publisher.updateMetadata(target.ref, target.previous, ctx.signal);
}

/**
 * Updates a layer's metadata (title, abstract, keywords) on a map server. Compensatable: run
 * records the previous metadata and changes it at once; rollback puts the previous one back.
 *
 * A layer being published by an earlier task of the run (LocalDbPublication) lives under its temp
 * name until commit, and its commit keeps the temp layer's metadata: so the temp layer is updated
 * too (or alone, for a new layer).
 */
export const metadataSyncTask: TaskType<Parameters> = {
  type: 'MetadataSync',
  title: "Update a layer's metadata",
  description: 'Updates the title, abstract and keywords of a layer on a map server; rollback restores them',
  capability: 'compensatable',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const mapServer = params['map-server'] ?? ctx.services.connections.localMapServer;
    const publisher = await ctx.services.connections.mapServer(mapServer);
    const key = layerKey(mapServer, params.workspace, params.layer);
    const ref = layerRef(params.workspace, params.layer);
    const targets: MetadataTarget[] = [];
    const live = await publisher.getLayer(ref, ctx.signal);
    if (live) targets.push({ ref, previous: live.metadata });
    const publishing = ctx.findStaged('layer', key)?.data as StagedLayer | undefined;
    if (publishing) {
      const tempRef = layerRef(publishing.workspace, publishing.temp);
      const temp = await publisher.getLayer(tempRef, ctx.signal);
      if (temp) targets.push({ ref: tempRef, previous: temp.metadata });
    }
    if (targets.length === 0) throw layerNotFound(mapServer, params.workspace, params.layer);
    const previous = targets[0]!.previous;
    const metadata = merged(previous, params);
    const staged: StagedMetadata = { mapServer, ref, previous, metadata, targets };
    // Recorded before anything changes: rollback (and recovery) can always put it back.
    await ctx.stage({ kind: 'metadata', name: key, data: staged });
    for (const target of targets) {
      await publisher.updateMetadata(target.ref, merged(target.previous, params), ctx.signal);
    }
    return { message: `Updated the metadata of ${layerLabel(params.workspace, params.layer)} on ${mapServer}` };
  },
  async commitStaged(object, ctx) {
    const staged = object.data as StagedMetadata;
    ctx.log('info', `Metadata of ${staged.ref.name} on ${staged.mapServer} kept`);
  },
  async rollbackStaged(object, ctx) {
    const staged = object.data as StagedMetadata;
    const publisher = await ctx.services.connections.mapServer(staged.mapServer);
    for (const target of staged.targets) await restore(publisher, target, ctx);
  },
};
