import { z } from 'zod';

import { layerLabel, layerRef } from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';
import { rasterSource, resolveRasterFile } from './raster-file.ts';
import { commitRasterLayer, requireRaster, rollbackRasterLayer, stageRasterLayer } from './staged-raster-layer.ts';

/** Parameter names are the Task Manager's (FileLocalPublicationTaskTypeImpl), so its exports import unchanged. */
const parameters = z.strictObject({
  fileService: param.fileService('The file service holding the file'),
  file: param.file('fileService', 'The GeoTIFF to publish; a path with ### publishes its latest version'),
  'auto-versioned': param
    .boolean('The file is versioned: its latest version is published (.### before the extension)')
    .optional(),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The name of the layer'),
  'map-server': param
    .mapServer('The map server it is published on (default: the local map server)', { needs: ['raster'] })
    .optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Publishes a GeoTIFF of a file service as a raster layer, with the Task Manager's temp-name
 * protocol (see staged-raster-layer.ts). A file on a local disk is served where it lies (the map
 * server reads it by path); any other is uploaded to the map server, which keeps its own copy.
 * A versioned file publishes its latest version, which is the one an earlier CopyFile of the
 * same run writes: commit puts the layer on it before that CopyFile removes the previous version,
 * and rollback leaves the old layer on the old version, which the CopyFile's rollback keeps.
 */
export const localFilePublicationTask: TaskType<Parameters> = {
  type: 'LocalFilePublication',
  title: 'Publish a raster file',
  description: 'Publishes a GeoTIFF of a file service as a raster layer on a map server (the local one by default)',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  async run(params, ctx) {
    const mapServer = params['map-server'] ?? ctx.services.connections.localMapServer;
    const publisher = await ctx.services.connections.mapServer(mapServer);
    requireRaster(publisher, mapServer, 'map-server');
    const { service, file } = await resolveRasterFile(
      params.fileService,
      params.file,
      params['auto-versioned'] ?? false,
      ctx,
    );
    const existing = await publisher.getLayer(layerRef(params.workspace, params.layer), ctx.signal);
    const source = await rasterSource(service, file.current);
    const staged = await stageRasterLayer(
      publisher,
      { mapServer, workspace: params.workspace, layer: params.layer },
      // A republished layer keeps what other tasks gave it (metadata, style).
      { source, metadata: existing?.metadata ?? {}, style: existing?.style, file },
      ctx,
    );
    const how = source.upload ? 'uploaded' : 'by path';
    return {
      message: `Published ${params.fileService}:${file.final} (${how}) as ${layerLabel(params.workspace, params.layer)} on ${mapServer} (staged as ${staged.temp})`,
    };
  },
  commitStaged: commitRasterLayer,
  rollbackStaged: rollbackRasterLayer,
  async cleanup(params, ctx) {
    const publisher = await ctx.services.connections.mapServer(
      params['map-server'] ?? ctx.services.connections.localMapServer,
    );
    await publisher.removeLayer(layerRef(params.workspace, params.layer), ctx.signal);
  },
};
