import { z } from 'zod';

import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';
import { commitStagedLayer, resolveLayerTable, rollbackStagedLayer, stagedLayerOf, tableText } from './db-layer.ts';
import { layerKey, layerLabel, layerRef } from './layer-staging.ts';

const parameters = z.strictObject({
  database: param.database("The PostgreSQL database holding the table (PostGIS, or geosync's own store `local`)"),
  'table-name': param.table('database', 'The table or view to publish (`table` or `schema.table`)'),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The name of the layer'),
  'map-server': param.mapServer('The map server it is published on (default: the local map server)').optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Publishes a table of a PostgreSQL database as a layer, with the Task Manager's temp-name
 * protocol: run publishes it unadvertised under `_temp_<hex>_<layer>`; commit puts it in place and
 * advertises it; rollback removes the temp layer. The map server reaches the table as the
 * database connection says (`layerSource`: its settings, or its per-map-server `publishAs`);
 * geosync's own store is served by the built-in publisher only. A table staged by an earlier
 * CopyTable of the run is published from its `_temp_` table, and commit swaps it in (db-layer.ts).
 */
export const localDbPublicationTask: TaskType<Parameters> = {
  type: 'LocalDbPublication',
  title: 'Publish a database table',
  description: 'Publishes a table of a PostgreSQL database as a layer on a map server (the local one by default)',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  async run(params, ctx) {
    const mapServer = params['map-server'] ?? ctx.services.connections.localMapServer;
    const publisher = await ctx.services.connections.mapServer(mapServer);
    const db = await ctx.services.connections.postgres(params.database);
    const table = await resolveLayerTable(db, params.database, params['table-name'], 'table-name', ctx);
    const existing = await publisher.getLayer(layerRef(params.workspace, params.layer), ctx.signal);
    const staged = await stagedLayerOf(publisher, mapServer, params.workspace, params.layer, table, ctx.signal);
    // Recorded before it exists (and without credentials): a crash between the two leaves a
    // ledger row rollback can clear.
    await ctx.stage({ kind: 'layer', name: layerKey(mapServer, params.workspace, params.layer), data: staged });
    await publisher.publishLayer(
      {
        ...layerRef(params.workspace, staged.temp),
        source: db.layerSource(table.current, mapServer),
        // A republished layer keeps what other tasks gave it (metadata, style).
        metadata: existing?.metadata ?? {},
        ...(existing?.style !== undefined && { style: existing.style }),
        advertised: false,
      },
      ctx.signal,
    );
    return {
      message: `Published ${tableText(table.final)} of ${params.database} as ${layerLabel(params.workspace, params.layer)} on ${mapServer} (staged as ${staged.temp})`,
    };
  },
  commitStaged: commitStagedLayer,
  rollbackStaged: rollbackStagedLayer,
  async cleanup(params, ctx) {
    const publisher = await ctx.services.connections.mapServer(
      params['map-server'] ?? ctx.services.connections.localMapServer,
    );
    await publisher.removeLayer(layerRef(params.workspace, params.layer), ctx.signal);
  },
};
