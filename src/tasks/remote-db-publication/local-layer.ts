import type { LayerMetadata } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import type { TableName } from '../local-db-publication/db-layer.ts';
import {
  layerKey,
  layerLabel,
  layerNotFound,
  layerRef,
  type StagedLayer,
} from '../local-db-publication/layer-staging.ts';
import type { TaskRunContext } from '../task-type.ts';

/** What a remote publication copies from a layer of the local map server. */
export interface LocalLayer {
  metadata: LayerMetadata;
  style?: string;
  /** The table the local layer serves (under its final name), without any connection details. */
  table: TableName;
}

function notATable(mapServer: string, workspace: string | undefined, layer: string, kind: string): UserError {
  return new UserError(
    'layer_not_a_table',
    `Layer '${layerLabel(workspace, layer)}' of map server '${mapServer}' is served from a ${kind} source, not a database table: ` +
      'RemoteDbPublication publishes table layers (RemoteFilePublication publishes file layers)',
    { details: [{ field: 'layer', message: `a ${kind} layer, not a table` }] },
  );
}

const tableOf = (source: { kind: string; schema?: string; table?: string }): TableName | undefined =>
  (source.kind === 'postgis' || source.kind === 'embedded' || source.kind === 'table') &&
  source.schema !== undefined &&
  source.table !== undefined
    ? { schema: source.schema, table: source.table }
    : undefined;

/**
 * The local layer `workspace:layer`: the live one, or the one an earlier task of the run is
 * publishing (its temp layer holds the metadata and style it will have; the ledger names its
 * final table, the temp layer may still read a staged `_temp_` table).
 */
export async function readLocalLayer(
  workspace: string | undefined,
  layer: string,
  ctx: TaskRunContext,
): Promise<LocalLayer> {
  const local = ctx.services.connections.localMapServer;
  const publisher = await ctx.services.connections.mapServer(local);
  const publishing = ctx.findStaged('layer', layerKey(local, workspace, layer))?.data as StagedLayer | undefined;
  if (publishing) {
    const temp = await publisher.getLayer(layerRef(publishing.workspace, publishing.temp), ctx.signal);
    if (temp) {
      const table = tableOf(publishing.source) ?? tableOf(temp.source);
      if (!table) throw notATable(local, workspace, layer, temp.source.kind);
      return { metadata: temp.metadata, ...(temp.style !== undefined && { style: temp.style }), table };
    }
  }
  const live = await publisher.getLayer(layerRef(workspace, layer), ctx.signal);
  if (!live) throw layerNotFound(local, workspace, layer);
  const table = tableOf(live.source);
  if (!table) throw notATable(local, workspace, layer, live.source.kind);
  return { metadata: live.metadata, ...(live.style !== undefined && { style: live.style }), table };
}
