import { z } from 'zod';

import type { LayerRef } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import {
  copyReadRoles,
  type LayerPlace,
  layerPlace,
  placeExists,
  securityServers,
} from '../layer-security-sync/security-sync.ts';
import { layerLabel } from '../local-db-publication/layer-staging.ts';
import { stagedTempRef } from '../metadata-sync/metadata-targets.ts';
import { param } from '../parameter.ts';
import type { TaskRunContext, TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'external-geoserver': param.mapServer('The remote map server the security rules are copied to', {
    needs: ['security'],
    localToo: true,
  }),
  workspace: param.workspace('The workspace whose layers have their read rules copied (the same on both servers)'),
});
type Parameters = z.infer<typeof parameters>;

interface PlannedLayer extends Record<string, unknown> {
  name: string;
  source: LayerPlace;
  target: LayerPlace;
}

/** What the marker of a WorkspaceSecuritySync run records: the layers to sync on commit. */
interface WorkspaceSecurityMarker extends Record<string, unknown> {
  localMapServer: string;
  mapServer: string;
  workspace: string;
  layers: PlannedLayer[];
  /** Local layers the target does not have: reported, not synced. */
  missing: string[];
}

const TEMP_NAME = /^_temp_[0-9a-f]{8}_(.+)$/;

/**
 * The local layers of the workspace by their real names: a temp layer an earlier task of this
 * run is publishing counts under its final name; other temp layers (another run's) are skipped.
 */
function layerNames(refs: LayerRef[], localName: string, workspace: string, ctx: TaskRunContext): string[] {
  const names = new Set<string>();
  for (const ref of refs) {
    const temp = TEMP_NAME.exec(ref.name);
    if (!temp) names.add(ref.name);
    else if (stagedTempRef(ctx, localName, workspace, temp[1]!)?.name === ref.name) names.add(temp[1]!);
  }
  return [...names].sort();
}

/**
 * Copies who may read each local layer of a workspace (its read roles) to the layer of the same
 * name on a remote map server. Irreversible, so it acts on commit: run checks both servers hold
 * security rules, lists the workspace's layers and which of them the target has, and stages a
 * marker. Layers the target lacks are named in the run's message and log, not synced.
 */
export const workspaceSecuritySyncTask: TaskType<Parameters> = {
  type: 'WorkspaceSecuritySync',
  title: "Copy a workspace's security rules to a remote map server",
  description:
    'Sets the read roles of the layers of a workspace on a remote map server to those of the local layers, ' +
    'when the run commits',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const external = params['external-geoserver'];
    const { workspace } = params;
    const { local, target, localName } = await securityServers(external, ctx);
    const names = layerNames(await local.listLayers(workspace, ctx.signal), localName, workspace, ctx);
    if (names.length === 0) {
      throw new UserError(
        'workspace_not_found',
        `Map server '${localName}' has no layers in workspace '${workspace}'`,
        {
          status: 404,
          details: [{ field: 'workspace', message: 'has no layers on the local map server' }],
        },
      );
    }
    const layers: PlannedLayer[] = [];
    const missing: string[] = [];
    for (const name of names) {
      const destination = layerPlace(ctx, external, workspace, name);
      if (await placeExists(target, destination, ctx.signal)) {
        layers.push({ name, source: layerPlace(ctx, localName, workspace, name), target: destination });
      } else {
        missing.push(name);
      }
    }
    const marker: WorkspaceSecurityMarker = {
      localMapServer: localName,
      mapServer: external,
      workspace,
      layers,
      missing,
    };
    await ctx.stage({ kind: 'security', name: `${external}:${workspace}:*`, data: marker });
    const absent = missing.map((n) => layerLabel(workspace, n)).join(', ');
    if (missing.length > 0) ctx.log('warn', `Not on ${external}, so not synced: ${absent}`);
    return {
      message:
        `The read rules of ${layers.length} layer(s) of workspace ${workspace} will be copied from ${localName} ` +
        `to ${external} on commit` +
        (missing.length > 0 ? `; ${missing.length} missing on ${external}, not synced: ${absent}` : ''),
    };
  },
  async commitStaged(object, ctx) {
    const marker = object.data as WorkspaceSecurityMarker;
    const local = await ctx.services.connections.mapServer(marker.localMapServer);
    const target = await ctx.services.connections.mapServer(marker.mapServer);
    const skipped: string[] = [];
    for (const layer of marker.layers) {
      const roles = await copyReadRoles(local, layer.source, target, layer.target, ctx);
      if (roles === 'missing' || roles === 'no-source') skipped.push(layer.name);
    }
    const synced = marker.layers.length - skipped.length;
    ctx.log('info', `Read rules of ${synced} layer(s) of ${marker.workspace} copied to ${marker.mapServer}`);
    const notSynced = [...marker.missing, ...skipped].map((n) => layerLabel(marker.workspace, n));
    if (notSynced.length > 0) ctx.log('warn', `Not synced (missing on one side): ${notSynced.join(', ')}`);
  },
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
