import { z } from 'zod';

import { nameSchema } from './common.dto.ts';

/** A layer or map-server workspace name as map servers take it: no spaces, `:` or slashes. */
const layerNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s:/\\]+$/, 'no spaces, colons or slashes');

export const metadataLinkSchema = z.strictObject({
  href: z.url().max(2000),
  /** e.g. `ISO19115:2003`, `TC211`, `FGDC`. */
  type: z.string().min(1).max(100),
  /** MIME type of the linked document, e.g. `text/xml`. */
  format: z.string().min(1).max(100),
});

const keywordsSchema = z.array(z.string().trim().min(1).max(200)).max(200);
const linksSchema = z.array(metadataLinkSchema).max(50);
/** null (or left out): the layers keep their own. */
const titleSchema = z.string().trim().min(1).max(500).nullable();
const abstractSchema = z.string().trim().min(1).max(20_000).nullable();

export const createMetadataTemplateSchema = z.strictObject({
  workspace: nameSchema,
  name: nameSchema,
  title: titleSchema.optional(),
  abstract: abstractSchema.optional(),
  /** Empty: the layers keep their own. */
  keywords: keywordsSchema.optional(),
  /** Empty: the layers keep their own. */
  metadataLinks: linksSchema.optional(),
});
export type NewMetadataTemplate = z.infer<typeof createMetadataTemplateSchema>;

export const updateMetadataTemplateSchema = z.strictObject({
  name: nameSchema.optional(),
  title: titleSchema.optional(),
  abstract: abstractSchema.optional(),
  keywords: keywordsSchema.optional(),
  metadataLinks: linksSchema.optional(),
});
export type MetadataTemplateChange = z.infer<typeof updateMetadataTemplateSchema>;

/** A layer to link: the map server connection it is on, its workspace there (if any), its name. */
export const metadataTemplateLinkInputSchema = z.strictObject({
  mapServer: nameSchema,
  workspace: layerNameSchema.optional(),
  layer: layerNameSchema,
});
export type MetadataTemplateLinkInput = z.infer<typeof metadataTemplateLinkInputSchema>;

export const metadataTemplateLinkSchema = z.object({
  id: z.uuid(),
  mapServer: z.string(),
  workspace: z.string().nullable(),
  layer: z.string(),
});
export type MetadataTemplateLink = z.infer<typeof metadataTemplateLinkSchema>;

export const metadataTemplateSchema = z.object({
  id: z.uuid(),
  workspaceId: z.uuid(),
  workspace: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  abstract: z.string().nullable(),
  keywords: z.array(z.string()),
  metadataLinks: z.array(z.object({ href: z.string(), type: z.string(), format: z.string() })),
  links: z.array(metadataTemplateLinkSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MetadataTemplate = z.infer<typeof metadataTemplateSchema>;

export const metadataTemplateListItemSchema = metadataTemplateSchema
  .pick({ id: true, workspace: true, name: true, title: true, updatedAt: true })
  .extend({ linkCount: z.number().int() });
export type MetadataTemplateListItem = z.infer<typeof metadataTemplateListItemSchema>;

export const metadataTemplateListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  workspace: nameSchema.optional(),
});

/** `?force=true` deletes a template that still has links (the links go with it). */
export const deleteMetadataTemplateQuerySchema = z.strictObject({ force: z.enum(['true', 'false']).optional() });

/** The link to remove, named as it was made. */
export const unlinkQuerySchema = metadataTemplateLinkInputSchema;
