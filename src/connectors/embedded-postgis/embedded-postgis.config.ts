import { z } from 'zod';

/**
 * The built-in `local` database has no settings: it is geosync's own store, opened by geosync.
 * Strict, so a stray setting is an error rather than silently ignored.
 */
export const embeddedPostgisConfigSchema = z.strictObject({});

export type EmbeddedPostgisConfig = z.infer<typeof embeddedPostgisConfigSchema>;
