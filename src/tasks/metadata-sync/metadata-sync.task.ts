import { z } from 'zod';

import type { LayerMetadata, LayerRef } from '../../connectors/publisher.ts';
import { UserError } from '../../errors/errors.ts';
import { layerKey, layerLabel, layerNotFound, layerRef } from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskRunContext, TaskType } from '../task-type.ts';
import { type MetadataTarget, metadataTargets, rewriteMetadata } from './metadata-targets.ts';

const parameters = z.strictObject({
  'map-server': param.mapServer('The map server holding the layer (default: the local map server)').optional(),
  'external-geoserver': param
    .mapServer("A remote map server: the local layer's metadata is copied onto its layer of the same name")
    .optional(),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The layer whose metadata is updated'),
  title: param.string('The new title (kept, or copied from the local layer, when omitted)').optional(),
  abstract: param.string('The new abstract (kept, or copied from the local layer, when omitted)').optional(),
  keywords: param
    .string('The new keywords, comma-separated (kept, or copied from the local layer, when omitted)')
    .optional(),
});
type Parameters = z.infer<typeof parameters>;

/** What a MetadataSync run records: the metadata before and after, per layer it changed. */
interface StagedMetadata extends Record<string, unknown> {
  mapServer: string;
  ref: LayerRef;
  /** The metadata before the run (of the live layer, else of the layer being published in the run). */
  previous: LayerMetadata;
  metadata: LayerMetadata;
  /** Every layer changed: the live one and/or the temp layer an earlier publication task staged. */
  targets: MetadataTarget[];
  /** The map server the metadata was copied from (with `external-geoserver`). */
  copiedFrom?: string;
}

/** What a copy carries from the local layer to the remote one: all of LayerMetadata. */
const COPIED_KEYS = [
  'title',
  'abstract',
  'keywords',
  'metadataLinks',
  'dataTimestamp',
  'metadataTimestamp',
] as const satisfies ReadonlyArray<keyof LayerMetadata>;

function keywordList(text: string): string[] {
  return text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

/** The metadata with the copied keys taken from `source` (absent there: absent here too). */
function copiedOnto(target: LayerMetadata, source: LayerMetadata): LayerMetadata {
  const next: LayerMetadata = { ...target };
  for (const key of COPIED_KEYS) delete next[key];
  for (const key of COPIED_KEYS) if (source[key] !== undefined) Object.assign(next, { [key]: source[key] });
  return next;
}

/** The metadata with only the parameters given replaced. */
function overridden(metadata: LayerMetadata, params: Parameters): LayerMetadata {
  return {
    ...metadata,
    ...(params.title !== undefined && { title: params.title }),
    ...(params.abstract !== undefined && { abstract: params.abstract }),
    ...(params.keywords !== undefined && { keywords: keywordList(params.keywords) }),
  };
}

const badCombination = (code: string, message: string, field: string, detail: string) =>
  new UserError(code, message, { details: [{ field, message: detail }] });

/** Where the metadata goes, and (with `external-geoserver`) where it comes from. */
function resolveServers(params: Parameters, localMapServer: string): { mapServer: string; source?: string } {
  const external = params['external-geoserver'];
  if (external === undefined) return { mapServer: params['map-server'] ?? localMapServer };
  if (params['map-server'] !== undefined) {
    throw badCombination(
      'conflicting_parameters',
      "Give either 'map-server' (update metadata there) or 'external-geoserver' (copy the local layer's metadata " +
        'there), not both',
      'map-server',
      "not allowed with 'external-geoserver'",
    );
  }
  if (external === localMapServer) {
    throw badCombination(
      'same_map_server',
      `'external-geoserver' is '${external}', the local map server itself: name a remote map server, or use ` +
        "'map-server' to update the local layer",
      'external-geoserver',
      'is the local map server',
    );
  }
  return { mapServer: external, source: localMapServer };
}

/** The local layer's metadata: of the layer an earlier task of the run is publishing, else the live one. */
async function sourceMetadata(localMapServer: string, params: Parameters, ctx: TaskRunContext): Promise<LayerMetadata> {
  const local = await ctx.services.connections.mapServer(localMapServer);
  const found = await metadataTargets(local, localMapServer, params.workspace, params.layer, ctx);
  const newest = found.at(-1);
  if (!newest) throw layerNotFound(localMapServer, params.workspace, params.layer);
  return newest.previous;
}

/**
 * Updates a layer's metadata on a map server; with `external-geoserver`, copies the local layer's
 * metadata onto the remote layer of the same name (the Task Manager's MetaDataSync), with title,
 * abstract and keywords still overridable. Compensatable: run records the previous metadata and
 * changes it at once; rollback puts the previous one back.
 *
 * A layer being published by an earlier task of the run lives under its temp name until commit,
 * and its commit keeps the temp layer's metadata: so the temp layer is updated too (or alone, for
 * a new layer), and is also where a copy reads the local metadata from.
 */
export const metadataSyncTask: TaskType<Parameters> = {
  type: 'MetadataSync',
  title: "Update a layer's metadata",
  description:
    "Updates the title, abstract and keywords of a layer on a map server, or copies a local layer's metadata " +
    'to a remote map server; rollback restores them',
  capability: 'compensatable',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const { localMapServer } = ctx.services.connections;
    const { mapServer, source } = resolveServers(params, localMapServer);
    const copied = source === undefined ? undefined : await sourceMetadata(source, params, ctx);
    const publisher = await ctx.services.connections.mapServer(mapServer);
    const targets = await metadataTargets(publisher, mapServer, params.workspace, params.layer, ctx);
    if (targets.length === 0) throw layerNotFound(mapServer, params.workspace, params.layer);
    const next = (previous: LayerMetadata) =>
      overridden(copied === undefined ? previous : copiedOnto(previous, copied), params);
    const previous = targets[0]!.previous;
    const staged: StagedMetadata = {
      mapServer,
      ref: layerRef(params.workspace, params.layer),
      previous,
      metadata: next(previous),
      targets,
      ...(source !== undefined && { copiedFrom: source }),
    };
    // Recorded before anything changes: rollback (and recovery) can always put it back.
    await ctx.stage({ kind: 'metadata', name: layerKey(mapServer, params.workspace, params.layer), data: staged });
    for (const target of targets) await publisher.updateMetadata(target.ref, next(target.previous), ctx.signal);
    const where = layerLabel(params.workspace, params.layer);
    return {
      message:
        source === undefined
          ? `Updated the metadata of ${where} on ${mapServer}`
          : `Copied the metadata of ${where} from ${source} to ${mapServer}`,
    };
  },
  async commitStaged(object, ctx) {
    const staged = object.data as StagedMetadata;
    ctx.log('info', `Metadata of ${staged.ref.name} on ${staged.mapServer} kept`);
  },
  async rollbackStaged(object, ctx) {
    const staged = object.data as StagedMetadata;
    const publisher = await ctx.services.connections.mapServer(staged.mapServer);
    for (const target of staged.targets) await rewriteMetadata(publisher, target.ref, () => target.previous, ctx);
  },
};
