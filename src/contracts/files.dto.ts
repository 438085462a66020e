import { z } from 'zod';

/** A path inside a file service: relative to its root, `/`-separated (checked by the service). */
const filePathSchema = z.string().max(4096);

/** One file or folder of a file service. */
export const fileEntrySchema = z.object({
  path: z.string(),
  name: z.string(),
  size: z.number().int(),
  modified: z.string(),
  isDirectory: z.boolean(),
});
export type FileEntryDto = z.infer<typeof fileEntrySchema>;

/** `GET /connections/:id/files?path=`: the folder's direct children. */
export const fileListQuerySchema = z.strictObject({ path: filePathSchema.default('') });

export const fileListingSchema = z.object({
  connection: z.string(),
  path: z.string(),
  items: z.array(fileEntrySchema),
});
export type FileListing = z.infer<typeof fileListingSchema>;

/** `PUT /connections/:id/files?path=...&prepare=true`; the body is the file's bytes. */
export const fileUploadQuerySchema = z.strictObject({
  path: filePathSchema.min(1),
  prepare: z.enum(['true', 'false']).default('false'),
});

/** What the prepare script printed; each stream keeps its last part when it was long. */
export const prepareReportSchema = z.object({
  exitCode: z.number().int(),
  durationMs: z.number(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
});
export type PrepareReport = z.infer<typeof prepareReportSchema>;

export const fileUploadResultSchema = z.object({
  connection: z.string(),
  file: fileEntrySchema,
  prepare: prepareReportSchema.optional(),
});
export type FileUploadResult = z.infer<typeof fileUploadResultSchema>;
