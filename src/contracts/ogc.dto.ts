import { z } from 'zod';

/**
 * OGC API – Features (Part 1: Core, GeoJSON) and Mapbox vector tiles of the layers the built-in
 * publisher serves, under /ogc. Collection ids are layer names (`workspace:name` when the layer
 * has a workspace); they are looked up as names, never read as SQL.
 */

const linkSchema = z.object({
  href: z.string(),
  rel: z.string(),
  type: z.string().optional(),
  title: z.string().optional(),
  /** The href is a URI template (`{z}/{x}/{y}`). */
  templated: z.boolean().optional(),
});
export type OgcLink = z.infer<typeof linkSchema>;

/** `f=json` is what many OGC clients send; JSON is the only encoding. */
const formatQuery = { f: z.enum(['json']).optional() };

export const ogcFormatQuerySchema = z.strictObject(formatQuery);

export const collectionParamsSchema = z.strictObject({ collectionId: z.string().min(1).max(401) });
export const featureParamsSchema = collectionParamsSchema.extend({ featureId: z.string().min(1).max(200) });

export const MAX_TILE_ZOOM = 24;
const tileIndex = z.coerce.number().int().min(0);
export const tileParamsSchema = collectionParamsSchema.extend({
  z: tileIndex.max(MAX_TILE_ZOOM),
  x: tileIndex,
  y: tileIndex,
});

/** WGS 84 longitude/latitude: `minLon,minLat,maxLon,maxLat`. */
export const bboxSchema = z.string().transform((text, ctx) => {
  const parts = text.split(',');
  const numbers = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
  if (parts.length !== 4 || numbers.some((n) => !Number.isFinite(n))) {
    ctx.addIssue({ code: 'custom', message: 'bbox is four numbers: minLon,minLat,maxLon,maxLat' });
    return z.NEVER;
  }
  const [minX, minY, maxX, maxY] = numbers as [number, number, number, number];
  if (minX < -180 || maxX > 180 || minY < -90 || maxY > 90 || minX > maxX || minY > maxY) {
    ctx.addIssue({
      code: 'custom',
      message: 'bbox must be minLon,minLat,maxLon,maxLat within -180..180 and -90..90, min before max',
    });
    return z.NEVER;
  }
  return [minX, minY, maxX, maxY] as const;
});

export const MAX_ITEMS_LIMIT = 10_000;

export const itemsQuerySchema = z.strictObject({
  f: z.enum(['json', 'geojson']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_ITEMS_LIMIT).default(10),
  offset: z.coerce.number().int().min(0).default(0),
  bbox: bboxSchema.optional(),
});
export type ItemsQuery = z.infer<typeof itemsQuerySchema>;

export const landingPageSchema = z.object({ title: z.string(), description: z.string(), links: z.array(linkSchema) });
export const conformanceSchema = z.object({ conformsTo: z.array(z.string()) });

export const collectionSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  itemType: z.literal('feature'),
  crs: z.array(z.string()),
  extent: z.object({ spatial: z.object({ bbox: z.array(z.array(z.number())), crs: z.string() }) }).optional(),
  links: z.array(linkSchema),
  /** When the layer was first published and last changed on the publisher. */
  created: z.string(),
  updated: z.string(),
  /** The data and metadata times the TimeStamp task keeps, when set. */
  dataTimestamp: z.string().optional(),
  metadataTimestamp: z.string().optional(),
});
export type OgcCollection = z.infer<typeof collectionSchema>;

export const collectionsSchema = z.object({ collections: z.array(collectionSchema), links: z.array(linkSchema) });

const featureSchema = z.object({
  type: z.literal('Feature'),
  id: z.union([z.string(), z.number()]).optional(),
  geometry: z.record(z.string(), z.unknown()).nullable(),
  properties: z.record(z.string(), z.unknown()),
  links: z.array(linkSchema).optional(),
});
export type OgcFeature = z.infer<typeof featureSchema>;
export const ogcFeatureSchema = featureSchema;

export const featureCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(featureSchema),
  numberMatched: z.number().int(),
  numberReturned: z.number().int(),
  timeStamp: z.string(),
  links: z.array(linkSchema),
});
export type OgcFeatureCollection = z.infer<typeof featureCollectionSchema>;
