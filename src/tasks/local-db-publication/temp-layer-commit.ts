import type { LayerRef, PublishedLayer, Publisher } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import type { StagedObject, TaskActionContext } from '../task-type.ts';
import { layerLabel, layerRef } from './layer-staging.ts';

/** Where a staged layer lives: enough to find its temp and final layers. */
export interface TempLayerPlace extends Record<string, unknown> {
  mapServer: string;
  workspace?: string;
  temp: string;
  final: string;
  /** Set at run when publishing the temp layer creates the workspace (workspaceCreation): rollback removes it. */
  createdWorkspace?: boolean;
}

/**
 * What a run records, before publishing, about the workspace: `createdWorkspace` when the map
 * server has workspaces of its own (GeoServer) and this one does not exist yet, so publishing
 * will create it and rollback must remove it to leave the server as it was.
 */
export async function workspaceCreation(
  publisher: Publisher,
  workspace: string | undefined,
  signal: AbortSignal,
): Promise<{ createdWorkspace?: true }> {
  if (workspace === undefined || !publisher.workspaceExists || !publisher.removeWorkspace) return {};
  return (await publisher.workspaceExists(workspace, signal)) ? {} : { createdWorkspace: true };
}

/**
 * Rollback of the temp-name protocol, shared by every publication task type: the temp layer goes
 * (a layer that was there before the run is untouched), then the workspace if this run created it
 * and no layer is left in it (rollback runs in reverse task order: later layers of the run in that
 * workspace are gone by then). Idempotent.
 */
export async function rollbackTempLayer(object: StagedObject, ctx: TaskActionContext): Promise<void> {
  const place = object.data as TempLayerPlace;
  const publisher = await ctx.services.connections.mapServer(place.mapServer);
  await publisher.removeLayer(layerRef(place.workspace, place.temp), ctx.signal);
  const { workspace } = place;
  if (!place.createdWorkspace || workspace === undefined || !publisher.removeWorkspace) return;
  if ((await publisher.listLayers(workspace, ctx.signal)).length > 0) {
    ctx.log('info', `Workspace ${workspace}, created by this run, is kept: it holds layers now`);
    return;
  }
  await publisher.removeWorkspace(workspace, ctx.signal);
}

/**
 * Republishes the final layer from the temp one when the temp layer reads a source that commit
 * renames (a table or file staged by an earlier task of the run): replacing rather than renaming.
 */
export type Republish = (temp: PublishedLayer, finalRef: LayerRef) => Promise<void>;

/**
 * Commit of the temp-name protocol, shared by every publication task type: the temp layer
 * replaces the final one and is advertised. Idempotent: a temp layer gone with the final one in
 * place means a repeated commit (recovery). The read roles of the layer it replaces are kept:
 * some servers (the built-in one) hold them on the layer object, which the swap removes.
 */
export async function commitTempLayer(
  publisher: Publisher,
  place: TempLayerPlace,
  ctx: TaskActionContext,
  republish?: Republish,
): Promise<void> {
  const tempRef = layerRef(place.workspace, place.temp);
  const finalRef = layerRef(place.workspace, place.final);
  const temp = await publisher.getLayer(tempRef, ctx.signal);
  if (!temp) {
    if (!(await publisher.getLayer(finalRef, ctx.signal))) {
      throw new UserError('staged_object_missing', `The staged layer ${place.temp} of ${place.final} no longer exists`);
    }
    await publisher.setAdvertised(finalRef, true, ctx.signal);
    ctx.log('info', `Layer ${layerLabel(place.workspace, place.final)} was already in place`);
    return;
  }
  const replaced = await publisher.getLayer(finalRef, ctx.signal);
  if (republish) {
    await republish(temp, finalRef);
    await publisher.removeLayer(tempRef, ctx.signal);
  } else {
    await publisher.removeLayer(finalRef, ctx.signal);
    await publisher.renameLayer(tempRef, finalRef, ctx.signal);
    await publisher.setAdvertised(finalRef, true, ctx.signal);
  }
  await keepReadRoles(publisher, finalRef, temp, replaced, ctx);
}

/**
 * Puts back the read roles the replaced layer had, unless the run gave the new layer roles of
 * its own (LayerSecuritySync) or the server kept them (rules by layer name, as GeoServer's).
 */
async function keepReadRoles(
  publisher: Publisher,
  finalRef: LayerRef,
  temp: PublishedLayer,
  replaced: PublishedLayer | undefined,
  ctx: TaskActionContext,
): Promise<void> {
  if (!publisher.setReadRoles || replaced?.readRoles === undefined || temp.readRoles !== undefined) return;
  const now = await publisher.getLayer(finalRef, ctx.signal);
  if (now && now.readRoles === undefined) await publisher.setReadRoles(finalRef, replaced.readRoles, ctx.signal);
}
