import { z } from 'zod';

/** The built-in publisher is part of geosync: nothing to set. Strict, so stray settings fail. */
export const builtinPublisherConfigSchema = z.strictObject({});

export type BuiltinPublisherConfig = z.infer<typeof builtinPublisherConfigSchema>;
