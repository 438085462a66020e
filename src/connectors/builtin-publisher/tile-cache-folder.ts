import { rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where the built-in publisher keeps a layer's cached vector tiles:
 * `<dataDir>/tiles/<layer id>/<z>/<x>/<y>.mvt`. The layer's id (a uuid), not its name, names
 * the folder: a rename keeps the cache, and no name can reach outside the folder. The OGC
 * service (domain/publication/tile-cache.ts) writes there by the same rule.
 */
export function tileCacheFolder(dataDir: string, layerId: string): string {
  if (!/^[0-9a-f-]{36}$/i.test(layerId)) throw new Error(`Not a layer id: ${layerId}`);
  return path.join(dataDir, 'tiles', layerId);
}

/** Deletes every cached tile of the layer (nothing cached is fine). */
export async function clearTileCache(dataDir: string, layerId: string): Promise<void> {
  await rm(tileCacheFolder(dataDir, layerId), { recursive: true, force: true });
}
