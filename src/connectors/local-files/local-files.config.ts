import { z } from 'zod';

/** Settings of a folder on geosync's own machine (or a disk mounted on it). */
export const localFilesConfigSchema = z.strictObject({
  root: z
    .string()
    .min(1)
    .refine((s) => !s.includes('\0'), 'must not contain a NUL byte')
    .describe("Folder holding the files. A relative path is resolved against geosync's data folder."),
  createRoot: z.boolean().default(true).describe('Create the folder when it does not exist.'),
});

export type LocalFilesConfig = z.infer<typeof localFilesConfigSchema>;

/** Settings of the built-in `local` file service: `<dataDir>/files`. */
export const builtinLocalFilesConfig: LocalFilesConfig = { root: 'files', createRoot: true };
