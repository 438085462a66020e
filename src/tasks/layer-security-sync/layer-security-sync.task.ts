import { z } from 'zod';

import { UserError } from '../../errors/errors.ts';
import { layerKey, layerLabel, layerNotFound } from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';
import {
  copyReadRoles,
  type LayerPlace,
  layerPlace,
  placeExists,
  rolesText,
  securityServers,
} from './security-sync.ts';

const parameters = z.strictObject({
  'external-geoserver': param.mapServer('The remote map server the security rules are copied to', {
    needs: ['security'],
    localToo: true,
  }),
  workspace: param.workspace('The workspace of the layer (the same on both map servers)').optional(),
  layer: param.layer('workspace', 'The local layer whose read rules are copied'),
});
type Parameters = z.infer<typeof parameters>;

/** What the marker of a LayerSecuritySync run records: the layer to sync on commit. */
interface SecurityMarker extends Record<string, unknown> {
  localMapServer: string;
  mapServer: string;
  label: string;
  source: LayerPlace;
  target: LayerPlace;
}

/**
 * Copies who may read a local layer (its read roles) to the layer of the same name on a remote
 * map server. Nothing records the remote rules it replaces, so it acts on commit (irreversible):
 * run only checks both servers hold security rules and both layers exist (or are being published
 * by an earlier task of the run), and stages a marker.
 */
export const layerSecuritySyncTask: TaskType<Parameters> = {
  type: 'LayerSecuritySync',
  title: "Copy a layer's security rules to a remote map server",
  description:
    'Sets the read roles of a layer on a remote map server to those of the local layer, when the run commits',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const external = params['external-geoserver'];
    const { local, target, localName } = await securityServers(external, ctx);
    const source = layerPlace(ctx, localName, params.workspace, params.layer);
    if (!(await placeExists(local, source, ctx.signal))) throw layerNotFound(localName, params.workspace, params.layer);
    const destination = layerPlace(ctx, external, params.workspace, params.layer);
    if (!(await placeExists(target, destination, ctx.signal))) {
      throw layerNotFound(external, params.workspace, params.layer);
    }
    const label = layerLabel(params.workspace, params.layer);
    const marker: SecurityMarker = {
      localMapServer: localName,
      mapServer: external,
      label,
      source,
      target: destination,
    };
    await ctx.stage({ kind: 'security', name: layerKey(external, params.workspace, params.layer), data: marker });
    return { message: `The read rules of ${label} will be copied from ${localName} to ${external} on commit` };
  },
  async commitStaged(object, ctx) {
    const marker = object.data as SecurityMarker;
    const local = await ctx.services.connections.mapServer(marker.localMapServer);
    const target = await ctx.services.connections.mapServer(marker.mapServer);
    const roles = await copyReadRoles(local, marker.source, target, marker.target, ctx);
    if (roles === 'no-source' || roles === 'missing') {
      // Both existed at run: only something outside the run can have removed one since.
      const server = roles === 'no-source' ? marker.localMapServer : marker.mapServer;
      throw new UserError('layer_not_found', `Layer ${marker.label} disappeared from ${server} during the run`, {
        status: 404,
        details: [{ field: 'layer', message: 'no longer exists' }],
      });
    }
    ctx.log('info', `Read rules of ${marker.label} on ${marker.mapServer}: ${rolesText(roles)}`);
  },
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
