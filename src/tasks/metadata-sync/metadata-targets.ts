import type { LayerMetadata, LayerRef, Publisher } from '../../connectors/publisher.ts';
import { layerKey, layerRef, type StagedLayer } from '../local-db-publication/layer-staging.ts';
import type { TaskActionContext, TaskRunContext } from '../task-type.ts';

/** One layer whose metadata a run changes, with what it had before. */
export interface MetadataTarget extends Record<string, unknown> {
  ref: LayerRef;
  previous: LayerMetadata;
}

/**
 * The temp layer an earlier publication task of this run staged for `layer` on `mapServer`, if
 * any. Every publication task type records its layer under `layerKey` with the temp name in `temp`.
 */
export function stagedTempRef(
  ctx: TaskRunContext,
  mapServer: string,
  workspace: string | undefined,
  layer: string,
): LayerRef | undefined {
  const staged = ctx.findStaged('layer', layerKey(mapServer, workspace, layer))?.data as StagedLayer | undefined;
  return staged ? layerRef(staged.workspace, staged.temp) : undefined;
}

/**
 * The layers a metadata change applies to: the live layer and/or the temp layer an earlier task
 * of the run is publishing (its commit keeps the temp layer's metadata), each with its current
 * metadata. Empty when neither exists.
 */
export async function metadataTargets(
  publisher: Publisher,
  mapServer: string,
  workspace: string | undefined,
  layer: string,
  ctx: TaskRunContext,
): Promise<MetadataTarget[]> {
  const targets: MetadataTarget[] = [];
  const ref = layerRef(workspace, layer);
  const live = await publisher.getLayer(ref, ctx.signal);
  if (live) targets.push({ ref, previous: live.metadata });
  const tempRef = stagedTempRef(ctx, mapServer, workspace, layer);
  if (tempRef) {
    const temp = await publisher.getLayer(tempRef, ctx.signal);
    if (temp) targets.push({ ref: tempRef, previous: temp.metadata });
  }
  return targets;
}

/**
 * Puts `metadata(current)` on a layer at rollback; a layer gone by then (its publication rolled
 * back first) is skipped.
 */
export async function rewriteMetadata(
  publisher: Publisher,
  ref: LayerRef,
  metadata: (current: LayerMetadata) => LayerMetadata,
  ctx: TaskActionContext,
): Promise<void> {
  const layer = await publisher.getLayer(ref, ctx.signal);
  if (!layer) {
    ctx.log('info', `Layer ${ref.name} is gone: no metadata to restore`);
    return;
  }
  await publisher.updateMetadata(ref, metadata(layer.metadata), ctx.signal);
}
