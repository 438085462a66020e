import { z } from 'zod';

import { tableNotFound } from '../../connectors/database.ts';
import type { EmbeddedTableSource, LayerDefinition, Publisher } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import { tableNameCandidates } from '../../lib/sql-identifiers.ts';
import { param } from '../parameter.ts';
import { findStagedRelation, relationKind } from '../sql/relations.ts';
import { type StagedRelation, swapIn } from '../sql/staging.ts';
import type { StagedObject, TaskActionContext, TaskRunContext, TaskType } from '../task-type.ts';
import { layerKey, layerRef, type StagedLayer, tempLayerName } from './layer-staging.ts';

const parameters = z.strictObject({
  database: param.database("The database holding the table: geosync's own store (`local`)"),
  'table-name': param.table('database', 'The table or view to publish (`table` or `schema.table`)'),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The name of the layer'),
  'map-server': param.mapServer('The map server it is published on (default: the local map server)').optional(),
});
type Parameters = z.infer<typeof parameters>;

interface ResolvedTable {
  /** The table the layer serves once everything is committed. */
  final: EmbeddedTableSource;
  /** The table the temp layer serves during the run (the staged `_temp_` one, or the final one). */
  current: EmbeddedTableSource;
  staged?: StagedRelation;
}

/** The table as staged earlier in this run (CopyTable), or as it exists in the database. */
async function resolveTable(params: Parameters, ctx: TaskRunContext): Promise<ResolvedTable> {
  const db = await ctx.services.connections.postgres(params.database);
  // Only geosync's own store reserves names: that is how the embedded database is told apart.
  if (typeof db.isReserved !== 'function') {
    throw new UserError(
      'unsupported_database',
      `LocalDbPublication publishes tables of geosync's own store (the 'local' database) only for now; ` +
        `'${params.database}' is another database: copy the table into 'local' first`,
      { details: [{ field: 'database', message: 'not the embedded store' }] },
    );
  }
  const candidates = tableNameCandidates(params['table-name'], db.schema);
  for (const candidate of candidates) {
    const staged = findStagedRelation(ctx, params.database, candidate);
    if (staged) {
      return {
        final: { kind: 'embedded', schema: staged.schema, table: staged.final },
        current: { kind: 'embedded', schema: staged.schema, table: staged.temp },
        staged,
      };
    }
  }
  const found = await db.withSession(async (session) => {
    for (const candidate of candidates) if ((await relationKind(session, candidate)) !== undefined) return candidate;
    return undefined;
  }, ctx.signal);
  if (!found) throw tableNotFound(params['table-name']);
  const source: EmbeddedTableSource = { kind: 'embedded', schema: found.schema, table: found.name };
  return { final: source, current: source };
}

const stagedLayerOf = (object: StagedObject) => object.data as StagedLayer;

/**
 * Publishes a table of the embedded store as a layer, with the Task Manager's temp-name protocol:
 * run publishes it unadvertised under `_temp_<hex>_<layer>`; commit puts it in place and
 * advertises it; rollback removes the temp layer.
 *
 * A table staged by an earlier CopyTable of the run is a special case: commit goes in reverse
 * task order, so this task commits before the CopyTable renames its `_temp_` table, and a layer
 * on the temp table would be left pointing at a name that no longer exists (layers hold tables by
 * name). So commit first swaps the staged table in itself (swapIn is idempotent: the CopyTable's
 * own commit then finds it done), then publishes the final layer on the final table and removes
 * the temp layer.
 */
export const localDbPublicationTask: TaskType<Parameters> = {
  type: 'LocalDbPublication',
  title: 'Publish a table of the local database',
  description: "Publishes a table of geosync's own store as a layer on a map server (the built-in one by default)",
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  async run(params, ctx) {
    const mapServer = params['map-server'] ?? ctx.services.connections.localMapServer;
    const publisher = await ctx.services.connections.mapServer(mapServer);
    const table = await resolveTable(params, ctx);
    const existing = await publisher.getLayer(layerRef(params.workspace, params.layer), ctx.signal);
    const staged: StagedLayer = {
      mapServer,
      ...(params.workspace !== undefined && { workspace: params.workspace }),
      temp: tempLayerName(params.layer),
      final: params.layer,
      source: table.final,
      ...(table.staged && { stagedTable: table.staged }),
    };
    // Recorded before it exists: a crash between the two leaves a ledger row rollback can clear.
    await ctx.stage({ kind: 'layer', name: layerKey(mapServer, params.workspace, params.layer), data: staged });
    await publisher.publishLayer(
      {
        ...layerRef(params.workspace, staged.temp),
        source: table.current,
        // A republished layer keeps what other tasks gave it (metadata, style).
        metadata: existing?.metadata ?? {},
        ...(existing?.style !== undefined && { style: existing.style }),
        advertised: false,
      },
      ctx.signal,
    );
    const where = params.workspace ? `${params.workspace}:${params.layer}` : params.layer;
    return {
      message: `Published ${table.final.schema}.${table.final.table} as ${where} on ${mapServer} (staged as ${staged.temp})`,
    };
  },
  async commitStaged(object, ctx) {
    const staged = stagedLayerOf(object);
    const publisher = await ctx.services.connections.mapServer(staged.mapServer);
    const tempRef = layerRef(staged.workspace, staged.temp);
    const finalRef = layerRef(staged.workspace, staged.final);
    const temp = await publisher.getLayer(tempRef, ctx.signal);
    if (!temp) {
      if (!(await publisher.getLayer(finalRef, ctx.signal))) {
        throw new UserError(
          'staged_object_missing',
          `The staged layer ${staged.temp} of ${staged.final} no longer exists`,
        );
      }
      // A repeated commit (recovery): make sure the last step is done too.
      await publisher.setAdvertised(finalRef, true, ctx.signal);
      ctx.log('info', `Layer ${staged.final} was already in place`);
      return;
    }
    if (staged.stagedTable) {
      await commitOnStagedTable(publisher, staged, temp, ctx);
      return;
    }
    await publisher.removeLayer(finalRef, ctx.signal);
    await publisher.renameLayer(tempRef, finalRef, ctx.signal);
    await publisher.setAdvertised(finalRef, true, ctx.signal);
  },
  async rollbackStaged(object, ctx) {
    const staged = stagedLayerOf(object);
    const publisher = await ctx.services.connections.mapServer(staged.mapServer);
    await publisher.removeLayer(layerRef(staged.workspace, staged.temp), ctx.signal);
  },
  async cleanup(params, ctx) {
    const publisher = await ctx.services.connections.mapServer(
      params['map-server'] ?? ctx.services.connections.localMapServer,
    );
    await publisher.removeLayer(layerRef(params.workspace, params.layer), ctx.signal);
  },
};

/** Commit when the table was staged in the run: swap the table in, publish on it, drop the temp layer. */
async function commitOnStagedTable(
  publisher: Publisher,
  staged: StagedLayer,
  temp: LayerDefinition,
  ctx: TaskActionContext,
): Promise<void> {
  const table = staged.stagedTable!;
  const db = await ctx.services.connections.postgres(table.database);
  const outcome = await db.withSession((session) => swapIn(session, table), ctx.signal);
  if (outcome === 'swapped') {
    ctx.log('info', `Table ${table.schema}.${table.final} swapped in for layer ${staged.final}`);
  }
  await publisher.publishLayer(
    {
      ...layerRef(staged.workspace, staged.final),
      source: staged.source,
      metadata: temp.metadata,
      ...(temp.style !== undefined && { style: temp.style }),
      advertised: true,
    },
    ctx.signal,
  );
  await publisher.removeLayer(layerRef(staged.workspace, staged.temp), ctx.signal);
}
