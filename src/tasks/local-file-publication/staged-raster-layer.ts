import type { LayerMetadata, Publisher, RasterFileSource } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import { layerKey, layerRef, tempLayerName } from '../local-db-publication/layer-staging.ts';
import { commitTempLayer, rollbackTempLayer, workspaceCreation } from '../local-db-publication/temp-layer-commit.ts';
import type { StagedObject, TaskActionContext, TaskRunContext } from '../task-type.ts';
import type { ResolvedRasterFile } from './raster-file.ts';
import { rasterSource } from './raster-file.ts';

/**
 * The temp-name protocol for raster layers, shared by LocalFilePublication and
 * RemoteFilePublication: run publishes the layer unadvertised under `_temp_<hex>_<layer>`;
 * commit puts it in place under its real name and advertises it; rollback removes it (and a
 * workspace the run created).
 */

/** What a staged raster layer records in the ledger (no secrets: names and paths only). */
export interface StagedRasterLayer extends Record<string, unknown> {
  mapServer: string;
  workspace?: string;
  temp: string;
  final: string;
  /**
   * What the layer serves, without credentials: tasks reading staged layers (RemoteDbPublication)
   * tell a raster layer from a table layer by `kind`.
   */
  source: { kind: 'geotiff'; fileService?: string; file?: string };
  /**
   * Set when the temp layer reads, by path, the staged copy of a file that an earlier CopyFile
   * of the run replaces. Commit goes in reverse task order, so this layer commits before the
   * CopyFile renames its copy onto the file: commit does that rename itself first (as CopyFile
   * would; its own commit then finds it done) and points the final layer at the file's real
   * name, so no layer is left reading a name that disappears.
   */
  stagedFile?: { service: string; temp: string; target: string };
  /** Publishing created the workspace (temp-layer-commit.ts, workspaceCreation): rollback removes it. */
  createdWorkspace?: boolean;
}

export const RASTER_LAYER_KIND = 'layer';

/** Refuses a map server that cannot serve GeoTIFF layers, before anything is staged. */
export function requireRaster(publisher: Publisher, mapServer: string, field: string): void {
  if (publisher.publisherCapabilities.raster) return;
  throw new UserError(
    'raster_not_supported',
    `Map server '${mapServer}' cannot publish raster (GeoTIFF) layers: choose a MapServer or GeoServer connection`,
    { details: [{ field, message: 'no raster support' }] },
  );
}

/** Records the layer, then publishes it unadvertised under its temporary name. */
export async function stageRasterLayer(
  publisher: Publisher,
  target: { mapServer: string; workspace?: string; layer: string },
  layer: { source: RasterFileSource; metadata: LayerMetadata; style?: string; file?: ResolvedRasterFile },
  ctx: TaskRunContext,
): Promise<StagedRasterLayer> {
  const { file } = layer;
  const staged: StagedRasterLayer = {
    mapServer: target.mapServer,
    ...(target.workspace !== undefined && { workspace: target.workspace }),
    temp: tempLayerName(target.layer),
    final: target.layer,
    source: { kind: 'geotiff', ...(file && { fileService: file.service, file: file.final }) },
    ...(file &&
      file.current !== file.final &&
      layer.source.upload === undefined && {
        stagedFile: { service: file.service, temp: file.current, target: file.final },
      }),
    ...(await workspaceCreation(publisher, target.workspace, ctx.signal)),
  };
  // Recorded before it exists: a crash between the two leaves a ledger row rollback can clear.
  await ctx.stage({
    kind: RASTER_LAYER_KIND,
    name: layerKey(target.mapServer, target.workspace, target.layer),
    data: staged,
  });
  await publisher.publishLayer(
    {
      ...layerRef(target.workspace, staged.temp),
      source: layer.source,
      metadata: layer.metadata,
      ...(layer.style !== undefined && { style: layer.style }),
      advertised: false,
    },
    ctx.signal,
  );
  return staged;
}

export async function commitRasterLayer(object: StagedObject, ctx: TaskActionContext): Promise<void> {
  const staged = object.data as StagedRasterLayer;
  const publisher = await ctx.services.connections.mapServer(staged.mapServer);
  const { stagedFile } = staged;
  await commitTempLayer(
    publisher,
    staged,
    ctx,
    stagedFile &&
      (async (temp, finalRef) => {
        const service = await ctx.services.connections.fileService(stagedFile.service);
        if (await service.exists(stagedFile.temp)) await service.rename(stagedFile.temp, stagedFile.target);
        await publisher.publishLayer(
          {
            ...finalRef,
            source: await rasterSource(service, stagedFile.target),
            metadata: temp.metadata,
            ...(temp.style !== undefined && { style: temp.style }),
            advertised: true,
          },
          ctx.signal,
        );
      }),
  );
}

/** Rollback: the temp layer goes, and a workspace the run created (temp-layer-commit.ts). */
export const rollbackRasterLayer = rollbackTempLayer;
