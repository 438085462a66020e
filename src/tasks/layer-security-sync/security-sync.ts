import type { LayerRef, Publisher } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import { layerRef } from '../local-db-publication/layer-staging.ts';
import { stagedTempRef } from '../metadata-sync/metadata-targets.ts';
import type { TaskActionContext, TaskRunContext } from '../task-type.ts';

/**
 * What LayerSecuritySync and WorkspaceSecuritySync share: read rules (who may read a layer) are
 * copied from the local map server to a remote one, by layer name. Like the Task Manager, the
 * roles are copied by name: the same roles must exist on both servers.
 */

/** Where one layer lives on one server: its name, and the temp layer an earlier task of the run staged. */
export interface LayerPlace extends Record<string, unknown> {
  ref: LayerRef;
  temp?: LayerRef;
}

export function layerPlace(
  ctx: TaskRunContext,
  mapServer: string,
  workspace: string | undefined,
  layer: string,
): LayerPlace {
  const temp = stagedTempRef(ctx, mapServer, workspace, layer);
  return { ref: layerRef(workspace, layer), ...(temp && { temp }) };
}

/** The local and the target map server, both able to hold read rules (checked before anything happens). */
export async function securityServers(
  external: string,
  ctx: TaskRunContext,
): Promise<{ local: Publisher; target: Publisher; localName: string }> {
  const localName = ctx.services.connections.localMapServer;
  if (external === localName) {
    throw new UserError(
      'same_map_server',
      `'external-geoserver' is '${external}', the local map server itself: name the remote map server the ` +
        'security rules are copied to',
      { details: [{ field: 'external-geoserver', message: 'is the local map server' }] },
    );
  }
  const local = await ctx.services.connections.mapServer(localName);
  const target = await ctx.services.connections.mapServer(external);
  requireSecurity(local, localName, 'the local map server', 'publication.localMapServer');
  requireSecurity(target, external, 'map server', 'external-geoserver');
  return { local, target, localName };
}

function requireSecurity(publisher: Publisher, name: string, what: string, field: string): void {
  if (publisher.publisherCapabilities.security && publisher.setReadRoles) return;
  throw new UserError(
    'no_security',
    `${what.charAt(0).toUpperCase()}${what.slice(1)} '${name}' has no per-layer security rules geosync can ` +
      'read or set (MapServer has none): security sync needs the built-in publisher or GeoServer on both sides',
    { details: [{ field, message: 'has no security rules' }] },
  );
}

/** Does the layer exist on the server, or is an earlier task of the run publishing it there? */
export async function placeExists(publisher: Publisher, place: LayerPlace, signal: AbortSignal): Promise<boolean> {
  if (place.temp && (await publisher.getLayer(place.temp, signal))) return true;
  return (await publisher.getLayer(place.ref, signal)) !== undefined;
}

/**
 * Copies the read roles of the local layer onto the target layer (undefined: no rule). At commit,
 * which goes in reverse task order, a layer an earlier task publishes is still under its temp
 * name: the local roles are read from the live layer when there is one (the temp layer of a
 * republished layer has none yet), and the roles are set on both the target's live and temp
 * layers (the temp one becomes the live one at that publication's commit). Returns the roles, or
 * 'missing' when the target has neither layer any more.
 */
export async function copyReadRoles(
  local: Publisher,
  source: LayerPlace,
  target: Publisher,
  destination: LayerPlace,
  ctx: TaskActionContext,
): Promise<string[] | undefined | 'missing' | 'no-source'> {
  const from =
    (await local.getLayer(source.ref, ctx.signal)) ??
    (source.temp ? await local.getLayer(source.temp, ctx.signal) : undefined);
  if (!from) return 'no-source';
  let written = false;
  for (const ref of [destination.ref, destination.temp]) {
    if (!ref || !(await target.getLayer(ref, ctx.signal))) continue;
    await target.setReadRoles!(ref, from.readRoles, ctx.signal);
    written = true;
  }
  return written ? from.readRoles : 'missing';
}

export const rolesText = (roles: string[] | undefined): string =>
  roles === undefined ? 'no rule (everyone)' : roles.length === 0 ? 'administrators only' : roles.join(', ');
