import type { LayerMetadata, LayerRef, Publisher } from '../../connectors/publisher.ts';
import { layerKey, layerRef, type StagedLayer } from '../local-db-publication/layer-staging.ts';
import type { TaskActionContext, TaskRunContext } from '../task-type.ts';

/** One layer whose metadata the run changes, with what it had before. */
export interface LayerBefore extends Record<string, unknown> {
  ref: LayerRef;
  previous: LayerMetadata;
}

/**
 * The layers to change for `workspace:layer` on a map server, each with its metadata now: the live
 * layer and/or the temp layer an earlier publication task of the run staged (its commit keeps the
 * temp layer's metadata). Empty when the map server has neither.
 */
export async function layersToChange(
  publisher: Publisher,
  mapServer: string,
  workspace: string | undefined,
  layer: string,
  ctx: TaskRunContext,
): Promise<LayerBefore[]> {
  const found: LayerBefore[] = [];
  const ref = layerRef(workspace, layer);
  const live = await publisher.getLayer(ref, ctx.signal);
  if (live) found.push({ ref, previous: live.metadata });
  const staged = ctx.findStaged('layer', layerKey(mapServer, workspace, layer))?.data as StagedLayer | undefined;
  if (staged) {
    const tempRef = layerRef(staged.workspace, staged.temp);
    const temp = await publisher.getLayer(tempRef, ctx.signal);
    if (temp) found.push({ ref: tempRef, previous: temp.metadata });
  }
  return found;
}

const isEmpty = (value: string | unknown[] | undefined) => value === undefined || value.length === 0;

/**
 * Puts a layer's previous metadata back. Map servers differ on what an update leaves out: the
 * built-in publisher and MapServer replace the whole metadata, GeoServer's PUT keeps fields not
 * sent. So what is still set after the first write but was not before is cleared explicitly.
 */
export async function restoreMetadata(
  publisher: Publisher,
  before: LayerBefore,
  ctx: TaskActionContext,
): Promise<void> {
  if (!(await publisher.getLayer(before.ref, ctx.signal))) {
    ctx.log('info', `Layer ${before.ref.name} is gone: no metadata to restore`);
    return;
  }
  await publisher.updateMetadata(before.ref, before.previous, ctx.signal);
  const now = (await publisher.getLayer(before.ref, ctx.signal))?.metadata ?? {};
  const leftovers: LayerMetadata = {};
  if (isEmpty(before.previous.title) && !isEmpty(now.title)) leftovers.title = '';
  if (isEmpty(before.previous.abstract) && !isEmpty(now.abstract)) leftovers.abstract = '';
  if (isEmpty(before.previous.keywords) && !isEmpty(now.keywords)) leftovers.keywords = [];
  if (isEmpty(before.previous.metadataLinks) && !isEmpty(now.metadataLinks)) leftovers.metadataLinks = [];
  if (Object.keys(leftovers).length > 0) {
    await publisher.updateMetadata(before.ref, { ...before.previous, ...leftovers }, ctx.signal);
  }
}
