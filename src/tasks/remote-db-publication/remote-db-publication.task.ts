import { z } from 'zod';

import { UserError } from '../../errors/errors.ts';
import {
  commitStagedLayer,
  resolveLayerTable,
  rollbackStagedLayer,
  stagedLayerOf,
  tableText,
} from '../local-db-publication/db-layer.ts';
import { layerKey, layerLabel, layerRef } from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';
import { readLocalLayer } from './local-layer.ts';

const parameters = z.strictObject({
  'external-geoserver': param.mapServer('The remote map server the layer is published on (GeoServer or another)'),
  workspace: param.workspace('The workspace of the layer, on the local and on the remote map server').optional(),
  layer: param.layer('workspace', 'The layer of the local map server to publish remotely, under the same name'),
  database: param.database(
    "The database the remote map server reads the table from (may differ from the local layer's)",
  ),
  'table-name': param
    .table('database', "The table in that database (default: the local layer's table, schema included)")
    .optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Publishes a layer of the local map server on another map server: everything (metadata, style,
 * table name) comes from the local layer, except the database the remote server reads, which
 * may differ (a public replica). Temp-name protocol on the remote: run publishes unadvertised
 * under `_temp_<hex>_<layer>`; commit removes the old remote layer, renames the temp one and
 * advertises it; rollback removes the temp layer only, so a remote that had the layer keeps it as
 * it was. Commit, rollback and a table staged by a CopyTable of the run work as for
 * LocalDbPublication (db-layer.ts).
 */
export const remoteDbPublicationTask: TaskType<Parameters> = {
  type: 'RemoteDbPublication',
  title: 'Publish a local layer on a remote map server',
  description:
    'Publishes a table layer of the local map server on another map server, with its metadata and style, reading a database of your choice',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  async run(params, ctx) {
    const remoteName = params['external-geoserver'];
    const localName = ctx.services.connections.localMapServer;
    if (remoteName === localName) {
      throw new UserError(
        'same_map_server',
        `'${remoteName}' is the local map server: RemoteDbPublication copies a local layer to another map server; use LocalDbPublication to publish on the local one`,
        { details: [{ field: 'external-geoserver', message: 'is the local map server' }] },
      );
    }
    const local = await readLocalLayer(params.workspace, params.layer, ctx);
    const db = await ctx.services.connections.postgres(params.database);
    const tableName = params['table-name'] ?? tableText(local.table);
    const table = await resolveLayerTable(db, params.database, tableName, 'table-name', ctx);
    const remote = await ctx.services.connections.mapServer(remoteName);
    const finalRef = layerRef(params.workspace, params.layer);
    // Asked before anything is staged: an unreachable server or a name it refuses fails here.
    const existing = await remote.getLayer(finalRef, ctx.signal);
    const staged = await stagedLayerOf(remote, remoteName, params.workspace, params.layer, table, ctx.signal);
    await ctx.stage({ kind: 'layer', name: layerKey(remoteName, params.workspace, params.layer), data: staged });
    await remote.publishLayer(
      {
        ...layerRef(params.workspace, staged.temp),
        source: db.layerSource(table.current, remoteName),
        metadata: local.metadata,
        ...(local.style !== undefined && { style: local.style }),
        advertised: false,
      },
      ctx.signal,
    );
    const label = layerLabel(params.workspace, params.layer);
    return {
      message:
        `Published ${label} of ${localName} on ${remoteName} from ${tableText(table.final)} of ${params.database} ` +
        `(staged as ${staged.temp}${existing ? `; replaces the layer there on commit` : ''})`,
    };
  },
  commitStaged: commitStagedLayer,
  rollbackStaged: rollbackStagedLayer,
  async cleanup(params, ctx) {
    const remote = await ctx.services.connections.mapServer(params['external-geoserver']);
    await remote.removeLayer(layerRef(params.workspace, params.layer), ctx.signal);
  },
};
