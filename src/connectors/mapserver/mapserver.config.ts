import path from 'node:path';

import { z } from 'zod';

const absolutePath = (extension: RegExp, message: string) =>
  z
    .string()
    .min(1)
    .max(1024)
    .regex(extension, message)
    .refine((p) => path.posix.isAbsolute(p) && !p.includes('\0'), 'must be an absolute path');

/**
 * Settings of a MapServer that geosync writes a mapfile for. geosync manages the files on a
 * disk it shares with MapServer, at the same paths (same machine, or a volume mounted at the
 * same place): the main mapfile, a folder `<mapfile name>-layers/` next to it with one include per
 * layer, a folder `<mapfile name>-data/` for the GeoTIFFs uploaded with layers, and optionally
 * a MapCache configuration with its tile folder `<name>-tiles/` next to it.
 * `url` is where clients (and MapCache) reach the MapServer serving that mapfile.
 */
export const mapserverConfigSchema = z.strictObject({
  mapfile: absolutePath(/\.map$/i, 'must end with .map').describe(
    'Absolute path of the mapfile geosync maintains, e.g. /srv/mapserver/geosync.map. geosync owns it and the folders <name>-layers and <name>-data (uploaded rasters) next to it.',
  ),
  url: z
    .url({ protocol: /^https?$/ })
    .describe(
      'Public URL of the MapServer endpoint serving this mapfile, e.g. https://maps.example.org/cgi-bin/mapserv?map=GEOSYNC.',
    ),
  configFile: absolutePath(/\.conf$/i, 'must end with .conf')
    .optional()
    .describe(
      "MapServer's config file (MAPSERVER_CONFIG_FILE), used when geosync runs map2img to check a mapfile; default: a minimal one of geosync's.",
    ),
  mapcacheConfig: absolutePath(/\.xml$/i, 'must end with .xml')
    .optional()
    .describe(
      'Absolute path of the MapCache configuration geosync maintains (tile cache), e.g. /srv/mapcache/geosync.xml; tiles go to <name>-tiles next to it. Without it, no cache.',
    ),
  maxRasterUploadMB: z
    .number()
    .int()
    .min(1)
    .max(1_048_576)
    .default(10_240)
    .describe(
      'Largest GeoTIFF geosync copies into <name>-data for MapServer when the file lives on a service MapServer cannot read (MiB; default 10 GiB), so an upload cannot fill the disk.',
    ),
});

export type MapserverConfig = z.infer<typeof mapserverConfigSchema>;
