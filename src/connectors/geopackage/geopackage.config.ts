import { z } from 'zod';

import { nameSchema } from '../../contracts/common.dto.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';

/** True when `p` stays inside its file service (no `..` climbing out, not absolute, no NUL). */
function staysInside(p: string): boolean {
  try {
    return normalizeRelativePath(p) !== '';
  } catch {
    return false;
  }
}

/**
 * geosync reads a GeoPackage with SQLite compiled to WebAssembly (sql.js), which holds the whole
 * file in memory; Node cannot read a file of 2 GiB or more in one piece anyway.
 */
export const MAX_GEOPACKAGE_MIB = 2047;

/**
 * Settings of a GeoPackage: a SQLite file kept in one of geosync's file services, so it is
 * reached (and secured) the same way as every other file.
 */
export const geopackageConfigSchema = z.strictObject({
  fileService: nameSchema.default('local').describe('Name of the file service holding the GeoPackage.'),
  path: z
    .string()
    .min(1)
    .max(1024)
    .regex(/\.gpkg$/i, 'must end with .gpkg')
    .refine(staysInside, 'must be a path inside the file service (no .., not absolute)')
    .describe('Path of the .gpkg file inside the file service, e.g. exports/roads.gpkg.'),
  maxSizeMiB: z
    .number()
    .int()
    .min(1)
    .max(MAX_GEOPACKAGE_MIB)
    .default(1024)
    .describe('Refuse files larger than this (MiB): the whole file is loaded into memory to be read.'),
});

export type GeopackageConfig = z.infer<typeof geopackageConfigSchema>;
