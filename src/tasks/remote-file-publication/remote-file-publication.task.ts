import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

import { z } from 'zod';

import type { PublishedLayer, RasterFileSource } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import {
  layerKey,
  layerLabel,
  layerNotFound,
  layerRef,
  type StagedLayer,
} from '../local-db-publication/layer-staging.ts';
import { rasterSource, type ResolvedRasterFile, resolveRasterFile } from '../local-file-publication/raster-file.ts';
import {
  commitRasterLayer,
  RASTER_LAYER_KIND,
  requireRaster,
  rollbackRasterLayer,
  stageRasterLayer,
} from '../local-file-publication/staged-raster-layer.ts';
import { param } from '../parameter.ts';
import type { TaskRunContext, TaskType } from '../task-type.ts';

/** Parameter names are the Task Manager's (FileRemotePublicationTaskTypeImpl), so its exports import unchanged. */
const parameters = z.strictObject({
  'external-geoserver': param.mapServer('The map server to publish on (any map-server connection)', {
    needs: ['raster'],
  }),
  workspace: param.workspace('The workspace of the layer, on both map servers').optional(),
  layer: param.layer('workspace', 'The raster layer of the local map server to publish remotely'),
  fileService: param
    .fileService('Where the remote map server reads the file (default: upload the local file)')
    .optional(),
  'auto-versioned': param
    .boolean('The file is versioned: its latest version is published (.### before the extension)')
    .optional(),
  file: param.file('fileService', 'The file on that file service; a path with ### reads its latest version').optional(),
});
type Parameters = z.infer<typeof parameters>;

function parameterError(field: string, message: string): UserError {
  return new UserError('invalid_parameters', message, { details: [{ field, message }] });
}

/** The local layer: as an earlier task of this run stages it (its temp layer), else as published. */
async function localLayer(params: Parameters, ctx: TaskRunContext): Promise<PublishedLayer> {
  const name = ctx.services.connections.localMapServer;
  const local = await ctx.services.connections.mapServer(name);
  const staged = ctx.findStaged(RASTER_LAYER_KIND, layerKey(name, params.workspace, params.layer));
  const layer = await local.getLayer(
    layerRef(params.workspace, staged ? (staged.data as StagedLayer).temp : params.layer),
    ctx.signal,
  );
  if (!layer) throw layerNotFound(name, params.workspace, params.layer);
  if (layer.source.kind !== 'geotiff') {
    throw new UserError(
      'not_a_raster_layer',
      `Layer '${layerLabel(params.workspace, params.layer)}' of '${name}' is not a raster (GeoTIFF) layer: publish it with RemoteDbPublication`,
      { details: [{ field: 'layer', message: 'not a raster layer' }] },
    );
  }
  return layer;
}

/** The local layer's own file, uploaded: it must be a file geosync can read on its host. */
async function uploadOfLocalFile(layer: PublishedLayer, label: string): Promise<RasterFileSource> {
  const file = layer.source.kind === 'geotiff' ? layer.source.path : '';
  const readable =
    path.isAbsolute(file) &&
    (await access(file, constants.R_OK).then(
      () => true,
      () => false,
    ));
  if (!readable) {
    throw new UserError(
      'raster_file_unreachable',
      `geosync cannot read the file of local layer '${label}' to upload it: give fileService and file (where the remote map server reads it)`,
      { details: [{ field: 'file', message: 'required for this layer' }] },
    );
  }
  return {
    kind: 'geotiff',
    path: file,
    upload: { fileName: path.basename(file), open: () => Promise.resolve(createReadStream(file)) },
  };
}

/**
 * Publishes a raster layer of the local map server on another map server (the Task Manager's
 * RemoteFilePublication), with the temp-name protocol on the remote: metadata and style come
 * from the local layer; the file is the one `fileService` + `file` name (read by path or
 * uploaded, see rasterSource), or the local layer's own file, uploaded. Rollback removes only the
 * temp layer, so a remote that already had the layer keeps it untouched.
 */
export const remoteFilePublicationTask: TaskType<Parameters> = {
  type: 'RemoteFilePublication',
  title: 'Publish a raster layer remotely',
  description: 'Publishes a raster layer of the local map server on another map server',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  async run(params, ctx) {
    if ((params.fileService === undefined) !== (params.file === undefined)) {
      const missing = params.file === undefined ? 'file' : 'fileService';
      throw parameterError(missing, 'fileService and file go together: give both, or neither (upload the local file)');
    }
    const label = layerLabel(params.workspace, params.layer);
    const target = params['external-geoserver'];
    if (target === ctx.services.connections.localMapServer) {
      throw parameterError('external-geoserver', `'${target}' is the local map server: choose another map server`);
    }
    const layer = await localLayer(params, ctx);
    const remote = await ctx.services.connections.mapServer(target);
    requireRaster(remote, target, 'external-geoserver');
    let source: RasterFileSource;
    let file: ResolvedRasterFile | undefined;
    if (params.fileService !== undefined && params.file !== undefined) {
      const resolved = await resolveRasterFile(params.fileService, params.file, params['auto-versioned'] ?? false, ctx);
      file = resolved.file;
      source = await rasterSource(resolved.service, file.current);
    } else {
      source = await uploadOfLocalFile(layer, label);
    }
    // Asked before anything is staged: an unreachable remote fails here with nothing to undo.
    await remote.getLayer(layerRef(params.workspace, params.layer), ctx.signal);
    const staged = await stageRasterLayer(
      remote,
      { mapServer: target, workspace: params.workspace, layer: params.layer },
      { source, metadata: layer.metadata, style: layer.style, file },
      ctx,
    );
    const how = source.upload ? 'uploaded' : 'by path';
    return { message: `Published ${label} on ${target}, file ${how} (staged as ${staged.temp})` };
  },
  commitStaged: commitRasterLayer,
  rollbackStaged: rollbackRasterLayer,
  async cleanup(params, ctx) {
    const remote = await ctx.services.connections.mapServer(params['external-geoserver']);
    await remote.removeLayer(layerRef(params.workspace, params.layer), ctx.signal);
  },
};
