import type { FileEntry, FileService } from '../../../connectors/file-service.ts';
import { checkNodeName } from './conflict-name.ts';
import { listChildrenIfAny, listTree, normalizeDir, normalizeExclude, parentOf } from './folder-tree.ts';
import { isManifestName, type NodeBaseline, readManifest, viewOf, writeManifest } from './manifest.ts';
import { type FileRewriter, type FileSyncReport, type SyncRun, syncFile } from './sync-file.ts';

export type { FileRewriter, FileSyncReport } from './sync-file.ts';

export interface SyncFolderOptions {
  /** Folder in the source service (`''`: its root). */
  sourceDir: string;
  /** Folder in the target service; its manifest `.geosync-files.json` lives there. */
  targetDir: string;
  /** Sub-folders (relative to the folders) never entered on either side; `..` is refused. */
  exclude?: string[];
  /** Only files (relative paths) this accepts are synced. */
  only?: (path: string) => boolean;
  /**
   * The node the files come from: names the incoming version in conflict copies, and keys its
   * baseline in the target's manifest, so several nodes may sync into one folder.
   */
  node: string;
  rewrite?: FileRewriter;
  /** A file present at the target is never replaced, even the last synced copy: conflict copy. */
  neverOverwrite?: boolean;
  signal?: AbortSignal;
  /** After the listing (0, total), then after each source file. */
  onProgress?: (done: number, total: number) => void;
}

const baseName = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1);

/** A FileService's own temporary file while it writes (`.name.1a2b3c4d.partial`): not yet a file. */
const isPartialWrite = (name: string) => /^\..+\.[0-9a-f]{8}\.partial$/.test(name);

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isUnder(rel: string, folders: ReadonlySet<string>): boolean {
  for (let at = rel.indexOf('/'); at !== -1; at = rel.indexOf('/', at + 1)) {
    if (folders.has(rel.slice(0, at))) return true;
  }
  return folders.has(rel);
}

/** Reads the target views of the files written, from listings, as the next sync will compare them. */
async function recordWritten(run: SyncRun): Promise<void> {
  const folders = new Set([...run.written.keys()].map(parentOf));
  for (const folder of folders) {
    run.signal?.throwIfAborted();
    const listed = new Map((await listChildrenIfAny(run.target, run.targetDir, folder)).map((e) => [e.rel, e]));
    for (const [rel, { source, targetSha }] of run.written) {
      if (parentOf(rel) !== folder) continue;
      const entry = listed.get(rel);
      // Gone or replaced by a folder meanwhile: no baseline, so the next sync compares contents.
      if (!entry || entry.isDirectory) run.baseline.delete(rel);
      else run.baseline.set(rel, { source, target: viewOf(entry, targetSha) });
    }
  }
}

/**
 * One-direction, manifest-based sync of `sourceDir` into `targetDir` (decision 0014, "File
 * sync"). Nothing at the target is deleted, and a file there is only replaced when it is the copy
 * the last sync left; deletions at the source are reported, not propagated. The manifest is
 * written last: an interrupted sync leaves the previous one, and the next run adopts what the
 * interrupted one had already copied (same content) instead of copying it again.
 */
export async function syncFolder(
  source: FileService,
  target: FileService,
  options: SyncFolderOptions,
): Promise<FileSyncReport> {
  const node = checkNodeName(options.node);
  const exclude = normalizeExclude(options.exclude ?? []);
  const sourceDir = normalizeDir(options.sourceDir);
  const targetDir = normalizeDir(options.targetDir);
  const { signal, only } = options;
  signal?.throwIfAborted();

  const tree = await listTree(source, sourceDir, exclude, signal);
  const files = [...tree.files].filter(([rel]) => {
    const name = baseName(rel);
    return !isManifestName(name) && !isPartialWrite(name) && (only?.(rel) ?? true);
  });
  const targetFiles = new Map<string, FileEntry>();
  for (const folder of tree.folders) {
    signal?.throwIfAborted();
    for (const entry of await listChildrenIfAny(target, targetDir, folder)) targetFiles.set(entry.rel, entry);
  }
  const previous: NodeBaseline = (await readManifest(target, targetDir)).get(node) ?? { files: new Map() };
  const fingerprint = options.rewrite?.fingerprint;

  const run: SyncRun = {
    source,
    target,
    sourceDir,
    targetDir,
    node,
    rewriter: options.rewrite,
    rewriteChanged: options.rewrite !== undefined && fingerprint !== previous.rewrite,
    neverOverwrite: options.neverOverwrite === true,
    signal,
    now: new Date(),
    baseline: new Map(previous.files),
    written: new Map(),
    report: {
      copied: [],
      unchanged: 0,
      conflicts: [],
      excluded: tree.excluded.sort(byPath),
      missingAtSource: [],
      rewritten: [],
      bytes: 0,
    },
  };
  run.report.missingAtSource = [...previous.files.keys()]
    .filter((rel) => !tree.files.has(rel) && !isUnder(rel, exclude) && (only?.(rel) ?? true))
    .sort(byPath);

  options.onProgress?.(0, files.length);
  let done = 0;
  for (const [rel, entry] of files) {
    signal?.throwIfAborted();
    await syncFile(run, rel, entry, targetFiles.get(rel));
    options.onProgress?.(++done, files.length);
  }
  await recordWritten(run);
  await writeManifest(target, targetDir, node, { files: run.baseline, rewrite: fingerprint }, signal);
  return run.report;
}
