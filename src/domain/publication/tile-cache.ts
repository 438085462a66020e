import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { randomToken } from '../../lib/random-token.ts';

/**
 * The built-in publisher's on-disk tile cache: `<dataDir>/tiles/<layer id>/<z>/<x>/<y>.mvt`, the
 * same rule as the connector's (connectors/builtin-publisher/tile-cache-folder.ts), which clears
 * it. The layer id is a uuid and z/x/y are integers, so no path leaves the folder.
 */
export function tilePath(dataDir: string, layerId: string, z: number, x: number, y: number): string {
  if (!/^[0-9a-f-]{36}$/i.test(layerId)) throw new Error(`Not a layer id: ${layerId}`);
  return path.join(dataDir, 'tiles', layerId, String(z), String(x), `${y}.mvt`);
}

export async function readCachedTile(file: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes through a temporary file, so a reader never sees half a tile. */
export async function writeCachedTile(file: string, tile: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomToken(6)}.tmp`;
  await writeFile(temporary, tile);
  await rename(temporary, file);
}
