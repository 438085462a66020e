import { z } from 'zod';

import { pageQuerySchema } from './common.dto.ts';

/**
 * Layers of a map server connection as its publisher reports them (read only), for the web UI's
 * Layers page. Sources are shown without secrets: a PostGIS source's password and an app-schema
 * mapping's file contents (they may hold database settings) are never returned.
 */

/** Map server connection names; layer and workspace names as the map server spells them. */
export const mapServerParamsSchema = z.strictObject({ name: z.string().min(1).max(63) });
// No spaces, `:` or slashes, and not `.`/`..`: the name becomes a path segment of a map server's REST URL.
const layerName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s:/\\]+$/, 'no spaces, colons or slashes')
  .refine((name) => name !== '.' && name !== '..', 'cannot be . or ..');
export const layerParamsSchema = mapServerParamsSchema.extend({ layer: layerName });
export const workspaceLayerParamsSchema = layerParamsSchema.extend({ workspace: layerName });

export const layerListQuerySchema = pageQuerySchema.extend({
  /** Only the layers of this workspace (GeoServer's; others use it as a name prefix or ignore it). */
  workspace: layerName.optional(),
});
export type LayerListQuery = z.infer<typeof layerListQuerySchema>;

export const mapServerRefSchema = z.object({
  name: z.string(),
  type: z.string(),
  /** Whether it is the local map server (setting `publication.localMapServer`). */
  local: z.boolean(),
});
export type MapServerRef = z.infer<typeof mapServerRefSchema>;

const metadataLinkSchema = z.object({ href: z.string(), type: z.string(), format: z.string() });

export const layerMetadataSchema = z.object({
  title: z.string().optional(),
  abstract: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  metadataLinks: z.array(metadataLinkSchema).optional(),
  dataTimestamp: z.string().optional(),
  metadataTimestamp: z.string().optional(),
});

/** Where the layer's data comes from, without secrets. */
export const layerSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('postgis'),
    host: z.string(),
    port: z.number().int(),
    database: z.string(),
    user: z.string(),
    schema: z.string(),
    table: z.string(),
  }),
  z.object({ kind: z.literal('embedded'), schema: z.string(), table: z.string() }),
  z.object({ kind: z.literal('geotiff'), path: z.string() }),
  z.object({ kind: z.literal('app-schema'), mainFile: z.string(), files: z.array(z.string()) }),
]);
export type LayerSourceView = z.infer<typeof layerSourceSchema>;

export const layerSummarySchema = z.object({
  workspace: z.string().optional(),
  name: z.string(),
  title: z.string().optional(),
  advertised: z.boolean(),
  /** Roles allowed to read it; null: no rule (everyone the server lets in). */
  readRoles: z.array(z.string()).nullable(),
});
export type LayerSummary = z.infer<typeof layerSummarySchema>;

export const layerListSchema = z.object({
  mapServer: mapServerRefSchema,
  items: z.array(layerSummarySchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type LayerList = z.infer<typeof layerListSchema>;

/**
 * How to show the layer on a map: the built-in publisher's OGC API addresses (relative to this
 * server) and the data's extent in WGS 84; `available: false` with the reason otherwise.
 */
export const layerPreviewSchema = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true),
    collectionId: z.string(),
    collection: z.string(),
    items: z.string(),
    /** URI template with `{z}`, `{x}`, `{y}`. */
    tiles: z.string(),
    /** The MVT layer name inside each tile. */
    tileLayer: z.string(),
    /** minLon, minLat, maxLon, maxLat; absent when the table is empty. */
    bbox: z.array(z.number()).length(4).optional(),
  }),
  z.object({ available: z.literal(false), reason: z.string() }),
]);
export type LayerPreview = z.infer<typeof layerPreviewSchema>;

export const layerDetailSchema = layerSummarySchema.extend({
  mapServer: mapServerRefSchema,
  metadata: layerMetadataSchema,
  style: z.string().optional(),
  source: layerSourceSchema,
  preview: layerPreviewSchema,
});
export type LayerDetail = z.infer<typeof layerDetailSchema>;

export const layerTargetsQuerySchema = z.strictObject({ workspace: layerName.optional(), layer: layerName });
export type LayerTargetsQuery = z.infer<typeof layerTargetsQuerySchema>;

/**
 * Whether a layer of the local map server is also on another map server the caller may use (the
 * remote publication targets, `external-geoserver`): `published` true or false, or null with
 * the `error` when the server could not be asked.
 */
export const layerTargetSchema = z.object({
  mapServer: mapServerRefSchema,
  published: z.boolean().nullable(),
  advertised: z.boolean().optional(),
  error: z.string().optional(),
});
export type LayerTarget = z.infer<typeof layerTargetSchema>;
export const layerTargetsSchema = z.object({ items: z.array(layerTargetSchema) });
