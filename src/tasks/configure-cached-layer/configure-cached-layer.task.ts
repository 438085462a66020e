import { z } from 'zod';

import { UserError } from '../../errors/errors.ts';
import { assertLayerKnown, layerLabel, layerRef } from '../local-db-publication/layer-staging.ts';
import { mapServerTarget, mapServerTargetParameters } from '../map-server-target.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  ...mapServerTargetParameters({ needs: ['cache'] }),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The layer whose tiles are cached'),
  'grid-sets': param
    .string('Tile grids, comma-separated (default: WebMercatorQuad on `local`, EPSG:900913 elsewhere)')
    .optional(),
  formats: param
    .string('Tile formats, comma-separated (default: application/vnd.mapbox-vector-tile)')
    .default('application/vnd.mapbox-vector-tile'),
});
type Parameters = z.infer<typeof parameters>;

/** What the marker of a ConfigureCachedLayer run records: the layer and cache settings to apply on commit. */
interface CacheConfigMarker extends Record<string, unknown> {
  mapServer: string;
  workspace?: string;
  layer: string;
  gridSets: string[];
  formats: string[];
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * Sets up tile caching of a layer. Configuring a cache empties it, which nothing can undo, so it
 * acts on commit: run only checks that the layer exists (or is being published by an earlier task
 * of the run) and stages a marker.
 */
export const configureCachedLayerTask: TaskType<Parameters> = {
  type: 'ConfigureCachedLayer',
  title: "Configure a layer's tile cache",
  description: 'Sets up tile caching (grid sets, formats) of a layer on a map server, when the run commits',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const target = mapServerTarget(params, ctx);
    const mapServer = target.name;
    const publisher = await ctx.services.connections.mapServer(mapServer);
    if (!publisher.publisherCapabilities.cache || !publisher.configureCache) {
      throw new UserError('no_tile_cache', `Map server '${mapServer}' has no tile cache geosync can configure`, {
        details: [{ field: target.field, message: 'has no tile cache' }],
      });
    }
    const gridSets = list(params['grid-sets'] ?? (mapServer === 'local' ? 'WebMercatorQuad' : 'EPSG:900913'));
    const formats = list(params.formats);
    if (gridSets.length === 0 || formats.length === 0) {
      throw new UserError('invalid_cache', 'A tile cache needs at least one grid set and one format', {
        details: [{ field: gridSets.length === 0 ? 'grid-sets' : 'formats', message: 'is empty' }],
      });
    }
    const key = await assertLayerKnown(publisher, mapServer, params.workspace, params.layer, ctx);
    const where = layerLabel(params.workspace, params.layer);
    const marker: CacheConfigMarker = {
      mapServer,
      ...(params.workspace !== undefined && { workspace: params.workspace }),
      layer: params.layer,
      gridSets,
      formats,
    };
    await ctx.stage({ kind: 'marker', name: key, data: marker });
    return { message: `The tile cache of ${where} on ${mapServer} will be configured on commit` };
  },
  async commitStaged(object, ctx) {
    const marker = object.data as CacheConfigMarker;
    const publisher = await ctx.services.connections.mapServer(marker.mapServer);
    const ref = layerRef(marker.workspace, marker.layer);
    // Commit goes in reverse task order: a layer first published by this run is not in place yet.
    if (!(await publisher.getLayer(ref, ctx.signal))) {
      ctx.log('warn', `Layer ${marker.layer} is not published (yet): its tile cache is not configured`);
      return;
    }
    await publisher.configureCache!(ref, { gridSets: marker.gridSets, formats: marker.formats }, ctx.signal);
  },
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
