import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import { z } from 'zod';

import { isGeosyncError } from '../../../errors/errors.ts';
import type { FileEntry, FileService } from '../../../connectors/file-service.ts';
import { inside } from './folder-tree.ts';
import { readAll } from './transfer.ts';

export const MANIFEST_NAME = '.geosync-files.json';

/** Names never synced: manifests (of any sync into the source) and their temporary files. */
export const isManifestName = (name: string): boolean =>
  name === MANIFEST_NAME || (name.startsWith(`${MANIFEST_NAME}.`) && name.endsWith('.tmp'));

/** A file as one side saw it at the last sync. */
export interface FileView {
  size: number;
  /** ISO date, as the side's listing gave it (listings are compared with listings only). */
  modified: string;
  sha256: string;
}

export interface ManifestEntry {
  source: FileView;
  target: FileView;
  /** The target's file is its own version (kept in a conflict), not a copy of the source's. */
  diverged?: boolean;
}

/** What one source node synced into this target folder. */
export interface NodeBaseline {
  files: Map<string, ManifestEntry>;
  /** Identifies the rewrite applied last; a different one rewrites the affected files again. */
  rewrite?: string;
}

const view = z.object({ size: z.number().int().nonnegative(), modified: z.string(), sha256: z.string() });
const entry = z.object({ source: view, target: view, diverged: z.boolean().optional() });
const baseline = z.object({ files: z.record(z.string(), z.unknown()), rewrite: z.string().optional() });
const document = z.object({
  format: z.literal('geosync-files'),
  version: z.literal(1),
  nodes: z.record(z.string(), z.unknown()),
});

export const viewOf = (file: Pick<FileEntry, 'size' | 'modified'>, sha256: string): FileView => ({
  size: file.size,
  modified: file.modified.toISOString(),
  sha256,
});

export const sameView = (file: Pick<FileEntry, 'size' | 'modified'>, seen: FileView): boolean =>
  file.size === seen.size && file.modified.toISOString() === seen.modified;

/** Manifests beyond this are not read (treated as absent): nothing is overwritten for lack of one. */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/**
 * Every node's baseline in the target folder's manifest. A missing, unreadable or foreign
 * manifest reads as empty: the sync then compares contents, so it adopts or makes conflict
 * copies and never overwrites because of it. Entries that do not parse are dropped one by one.
 */
export async function readManifest(target: FileService, targetDir: string): Promise<Map<string, NodeBaseline>> {
  const path = inside(targetDir, MANIFEST_NAME);
  let raw: unknown;
  try {
    raw = JSON.parse((await readAll(target, path, MAX_MANIFEST_BYTES)).toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return new Map();
    if (isGeosyncError(error) && (error.code === 'file_not_found' || error.code === 'dbsync_file_too_large')) {
      return new Map();
    }
    throw error;
  }
  const parsed = document.safeParse(raw);
  const nodes = new Map<string, NodeBaseline>();
  if (!parsed.success) return nodes;
  for (const [node, value] of Object.entries(parsed.data.nodes)) {
    const section = baseline.safeParse(value);
    if (!section.success) continue;
    const files = new Map<string, ManifestEntry>();
    for (const [file, candidate] of Object.entries(section.data.files)) {
      const ok = entry.safeParse(candidate);
      if (ok.success) files.set(file, ok.data);
    }
    nodes.set(node, { files, rewrite: section.data.rewrite });
  }
  return nodes;
}

const serialize = (nodes: Map<string, NodeBaseline>): Buffer => {
  const sorted = [...nodes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const doc = {
    format: 'geosync-files',
    version: 1,
    nodes: Object.fromEntries(
      sorted.map(([node, { files, rewrite }]) => [
        node,
        {
          ...(rewrite === undefined ? {} : { rewrite }),
          files: Object.fromEntries([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        },
      ]),
    ),
  };
  return Buffer.from(`${JSON.stringify(doc, null, 1)}\n`, 'utf8');
};

/**
 * Saves `node`'s baseline, last and atomically (a temporary file renamed over the manifest). The
 * manifest is read again first so another node's baseline, saved meanwhile, is kept.
 */
export async function writeManifest(
  target: FileService,
  targetDir: string,
  node: string,
  own: NodeBaseline,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  const nodes = await readManifest(target, targetDir);
  nodes.set(node, own);
  const path = inside(targetDir, MANIFEST_NAME);
  const temp = inside(targetDir, `${MANIFEST_NAME}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    await target.write(temp, Readable.from([serialize(nodes)]), signal);
    await target.rename(temp, path);
  } catch (error) {
    await target.remove(temp).catch(() => undefined);
    throw error;
  }
}
