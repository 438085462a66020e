import path from 'node:path';

import { z } from 'zod';

/**
 * Settings of a MapServer that geosync writes a mapfile for. MapServer reads the mapfile from
 * its own disk, so the path is absolute as MapServer sees it; `url` is where clients reach it.
 */
export const mapserverConfigSchema = z.strictObject({
  mapfile: z
    .string()
    .min(1)
    .max(1024)
    .regex(/\.map$/i, 'must end with .map')
    .refine((p) => path.posix.isAbsolute(p) && !p.includes('\0'), 'must be an absolute path')
    .describe('Absolute path of the mapfile geosync maintains, e.g. /srv/mapserver/geosync.map.'),
  url: z
    .url({ protocol: /^https?$/ })
    .describe('Public URL of the MapServer endpoint, e.g. https://maps.example.org/cgi-bin/mapserv.'),
});

export type MapserverConfig = z.infer<typeof mapserverConfigSchema>;
