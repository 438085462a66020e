import { z } from 'zod';

import { UserError } from '../../errors/errors.ts';
import { assertLayerKnown, layerLabel, layerRef } from '../local-db-publication/layer-staging.ts';
import { mapServerTarget, mapServerTargetParameters } from '../map-server-target.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  ...mapServerTargetParameters({ needs: ['cache'] }),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The layer whose cached tiles are cleared'),
});
type Parameters = z.infer<typeof parameters>;

/** What the marker of a ClearCachedLayer run records: the layer to clear on commit. */
interface CacheMarker extends Record<string, unknown> {
  mapServer: string;
  workspace?: string;
  layer: string;
}

/**
 * Empties a layer's tile cache. Nothing can undo that, so it acts on commit: run only checks that
 * the layer exists (or is being published by an earlier task of the run) and stages a marker.
 */
export const clearCachedLayerTask: TaskType<Parameters> = {
  type: 'ClearCachedLayer',
  title: "Clear a layer's tile cache",
  description: 'Empties the tile cache of a layer on a map server, when the run commits',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const target = mapServerTarget(params, ctx);
    const mapServer = target.name;
    const publisher = await ctx.services.connections.mapServer(mapServer);
    if (!publisher.clearCache) {
      throw new UserError('no_tile_cache', `Map server '${mapServer}' has no tile cache geosync can clear`, {
        details: [{ field: target.field, message: 'has no tile cache' }],
      });
    }
    const key = await assertLayerKnown(publisher, mapServer, params.workspace, params.layer, ctx);
    const where = layerLabel(params.workspace, params.layer);
    const marker: CacheMarker = {
      mapServer,
      ...(params.workspace !== undefined && { workspace: params.workspace }),
      layer: params.layer,
    };
    await ctx.stage({ kind: 'marker', name: key, data: marker });
    return { message: `The tile cache of ${where} on ${mapServer} will be cleared on commit` };
  },
  async commitStaged(object, ctx) {
    const marker = object.data as CacheMarker;
    const publisher = await ctx.services.connections.mapServer(marker.mapServer);
    const ref = layerRef(marker.workspace, marker.layer);
    // Commit goes in reverse task order: a layer first published by this run is not in place
    // yet, and a new layer has nothing cached.
    if (!(await publisher.getLayer(ref, ctx.signal))) {
      ctx.log('info', `Layer ${marker.layer} is not published (yet): no cache to clear`);
      return;
    }
    await publisher.clearCache!(ref, ctx.signal);
  },
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
