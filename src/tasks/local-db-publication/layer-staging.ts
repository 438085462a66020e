import { randomBytes } from 'node:crypto';

import type { EmbeddedTableSource, LayerRef, Publisher } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import type { StagedRelation } from '../sql/staging.ts';
import type { TaskRunContext } from '../task-type.ts';

/**
 * Staging of map-server layers (the Task Manager's temp-name protocol): a layer is published
 * unadvertised under `_temp_<8 hex>_<layer>`, and commit puts it in place under its real name.
 */

/** The ledger name of a staged layer: what later tasks of the run (ClearCachedLayer) look it up by. */
export function layerKey(mapServer: string, workspace: string | undefined, layer: string): string {
  return `${mapServer}:${workspace ?? ''}:${layer}`;
}

/** A fresh temporary layer name for `layer`, unique enough that two runs never collide. */
export function tempLayerName(layer: string): string {
  return `_temp_${randomBytes(4).toString('hex')}_${layer}`;
}

export function layerRef(workspace: string | undefined, name: string): LayerRef {
  return workspace === undefined ? { name } : { workspace, name };
}

/** A table of a database connection, named without credentials (what the ledger may hold). */
export interface StagedTableSource {
  kind: 'table';
  database: string;
  schema: string;
  table: string;
}

/** What a staged layer records in the ledger (commit and rollback need only this). */
export interface StagedLayer extends Record<string, unknown> {
  mapServer: string;
  workspace?: string;
  /** The temporary layer name, published unadvertised by the run. */
  temp: string;
  /** The layer's real name. */
  final: string;
  /**
   * The table the final layer serves, under its final name: a database connection's name and the
   * table, never its credentials (commit asks the connection again, `layerSource`). Ledgers written
   * before any database could be published hold the `embedded` form.
   */
  source: StagedTableSource | EmbeddedTableSource;
  /**
   * When an earlier task of the run staged the table (a CopyTable): its ledger record. The temp
   * layer serves the staged `_temp_` table; commit swaps that table in first (see the task).
   */
  stagedTable?: StagedRelation;
  /** Publishing created the workspace (temp-layer-commit.ts, workspaceCreation): rollback removes it. */
  createdWorkspace?: boolean;
}

/** `workspace:layer`, or `layer`: how messages name a layer. */
export function layerLabel(workspace: string | undefined, layer: string): string {
  return workspace ? `${workspace}:${layer}` : layer;
}

/** The one error the publication task types give for a layer the map server does not have. */
export function layerNotFound(mapServer: string, workspace: string | undefined, layer: string): UserError {
  return new UserError('layer_not_found', `Map server '${mapServer}' has no layer '${layerLabel(workspace, layer)}'`, {
    status: 404,
    details: [{ field: 'layer', message: 'does not exist' }],
  });
}

/**
 * Checks that a layer exists now, or that an earlier task of this run is publishing it (so a
 * cache task may follow a publication in one batch); returns the layer's ledger key.
 */
export async function assertLayerKnown(
  publisher: Publisher,
  mapServer: string,
  workspace: string | undefined,
  layer: string,
  ctx: TaskRunContext,
): Promise<string> {
  const key = layerKey(mapServer, workspace, layer);
  if (ctx.findStaged('layer', key) !== undefined) return key;
  if (await publisher.getLayer(layerRef(workspace, layer), ctx.signal)) return key;
  throw layerNotFound(mapServer, workspace, layer);
}
