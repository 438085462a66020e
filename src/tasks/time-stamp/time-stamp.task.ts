import { z } from 'zod';

import type { LayerMetadata, LayerRef } from '../../connectors/publisher.ts';
import { layerKey, layerLabel, layerNotFound, layerRef } from '../local-db-publication/layer-staging.ts';
import { metadataTargets, rewriteMetadata } from '../metadata-sync/metadata-targets.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The layer whose data and metadata time stamps are set to now'),
  'map-server': param.mapServer('The map server holding the layer (default: the local map server)').optional(),
});
type Parameters = z.infer<typeof parameters>;

/** The two time stamps of one layer before the run (absent: the layer had none). */
interface StampedLayer extends Record<string, unknown> {
  ref: LayerRef;
  dataTimestamp?: string;
  metadataTimestamp?: string;
}

/** What a TimeStamp run records: the time it wrote, and each stamped layer's previous stamps. */
interface StagedStamps extends Record<string, unknown> {
  mapServer: string;
  ref: LayerRef;
  stamp: string;
  layers: StampedLayer[];
}

function stampsOf(ref: LayerRef, metadata: LayerMetadata): StampedLayer {
  return {
    ref,
    ...(metadata.dataTimestamp !== undefined && { dataTimestamp: metadata.dataTimestamp }),
    ...(metadata.metadataTimestamp !== undefined && { metadataTimestamp: metadata.metadataTimestamp }),
  };
}

/** The metadata with the time stamps of `stamps` (a stamp absent there is removed). */
function withStamps(
  metadata: LayerMetadata,
  stamps: Pick<LayerMetadata, 'dataTimestamp' | 'metadataTimestamp'>,
): LayerMetadata {
  const { dataTimestamp: _data, metadataTimestamp: _meta, ...rest } = metadata;
  return {
    ...rest,
    ...(stamps.dataTimestamp !== undefined && { dataTimestamp: stamps.dataTimestamp }),
    ...(stamps.metadataTimestamp !== undefined && { metadataTimestamp: stamps.metadataTimestamp }),
  };
}

/**
 * Sets a layer's data and metadata time stamps (LayerMetadata.dataTimestamp, metadataTimestamp)
 * to now, as ISO 8601 UTC. Where a map server keeps them is its connector's business (the
 * built-in publisher in the layer's metadata, MapServer in `geosync_*_timestamp` metadata,
 * GeoServer under its configured metadata keys). Compensatable: run records the previous stamps
 * before writing; rollback puts them back, removing a stamp the layer did not have.
 *
 * A layer being published by an earlier task of the run is stamped under its temp name too (or
 * alone, for a new layer): that publication's commit keeps the temp layer's metadata.
 */
export const timeStampTask: TaskType<Parameters> = {
  type: 'TimeStamp',
  title: "Stamp a layer's data as updated now",
  description: "Sets the data and metadata time stamps of a layer's metadata to now; rollback restores them",
  capability: 'compensatable',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const mapServer = params['map-server'] ?? ctx.services.connections.localMapServer;
    const publisher = await ctx.services.connections.mapServer(mapServer);
    const targets = await metadataTargets(publisher, mapServer, params.workspace, params.layer, ctx);
    if (targets.length === 0) throw layerNotFound(mapServer, params.workspace, params.layer);
    const stamp = new Date().toISOString();
    const staged: StagedStamps = {
      mapServer,
      ref: layerRef(params.workspace, params.layer),
      stamp,
      layers: targets.map((t) => stampsOf(t.ref, t.previous)),
    };
    // Recorded before anything changes: rollback (and recovery) can always put the old stamps back.
    await ctx.stage({ kind: 'timestamp', name: layerKey(mapServer, params.workspace, params.layer), data: staged });
    for (const target of targets) {
      const metadata = withStamps(target.previous, { dataTimestamp: stamp, metadataTimestamp: stamp });
      await publisher.updateMetadata(target.ref, metadata, ctx.signal);
    }
    return { message: `Stamped ${layerLabel(params.workspace, params.layer)} on ${mapServer} with ${stamp}` };
  },
  async commitStaged(object, ctx) {
    const staged = object.data as StagedStamps;
    ctx.log('info', `Time stamp ${staged.stamp} of ${staged.ref.name} on ${staged.mapServer} kept`);
  },
  async rollbackStaged(object, ctx) {
    const staged = object.data as StagedStamps;
    const publisher = await ctx.services.connections.mapServer(staged.mapServer);
    // Only the stamps go back: metadata changed by other tasks is theirs to restore.
    for (const layer of staged.layers) {
      await rewriteMetadata(publisher, layer.ref, (current) => withStamps(current, layer), ctx);
    }
  },
};
