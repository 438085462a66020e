import type { FileEntry, FileService } from '../../../connectors/file-service.ts';
import { conflictPath } from './conflict-name.ts';
import { inside } from './folder-tree.ts';
import { type FileView, type ManifestEntry, sameView, viewOf } from './manifest.ts';
import { copyStreaming, hashFile, readAll, sha256Of, writeBuffer } from './transfer.ts';

/** Changes files (QGIS projects) on their way to the target. */
export interface FileRewriter {
  /** Whether `path` may need rewriting: only such files are read whole into memory. */
  appliesTo(path: string): boolean;
  /** The new content and how many layers changed; undefined when the file stays as it is. */
  rewrite(path: string, content: Buffer): { content: Buffer; layers: number } | undefined;
  /** Differs when the rewrite would differ (another clone database): such files are delivered again. */
  fingerprint?: string;
}

export interface FileSyncReport {
  /** Written to the target under their own path (new there, or replacing the last synced copy). */
  copied: string[];
  /** Left as they were: unchanged, changed at the target only, or already equal (adopted). */
  unchanged: number;
  /** The target's file kept; the incoming version written next to it as `keptAs`. */
  conflicts: { path: string; keptAs: string }[];
  /** Excluded paths found at the source, not entered. */
  excluded: string[];
  /** Synced before, gone from the source now; deletions are not propagated. */
  missingAtSource: string[];
  /** Files written rewritten (at their path, or at their conflict copy's). */
  rewritten: { path: string; layers: number }[];
  /** Bytes written to the target (the manifest aside). */
  bytes: number;
}

/** A project file held whole is bounded: beyond, it is refused rather than copied unadapted. */
export const MAX_REWRITE_BYTES = 128 * 1024 * 1024;

export interface SyncRun {
  source: FileService;
  target: FileService;
  sourceDir: string;
  targetDir: string;
  /** Safe for a file name. */
  node: string;
  rewriter?: FileRewriter;
  /** The rewrite differs from the last sync's: rewritable files count as changed at the source. */
  rewriteChanged: boolean;
  /** Never replace a file present at the target (media sent to the central): conflict copies instead. */
  neverOverwrite: boolean;
  signal?: AbortSignal;
  now: Date;
  /** The baseline being built, starting from the last sync's. */
  baseline: Map<string, ManifestEntry>;
  /** Written under their own path: their target view is read from a listing once all are written. */
  written: Map<string, { source: FileView; targetSha: string }>;
  report: FileSyncReport;
}

/** What the target would receive for a source file: its hash, and its bytes when rewritten. */
interface Incoming {
  sourceSha: string;
  sha: string;
  content?: Buffer;
  layers?: number;
}

const rewrites = (run: SyncRun, rel: string) => run.rewriter?.appliesTo(rel) === true;

async function readIncoming(run: SyncRun, rel: string): Promise<Incoming> {
  const from = inside(run.sourceDir, rel);
  if (!rewrites(run, rel)) {
    const sha = await hashFile(run.source, from, run.signal);
    return { sourceSha: sha, sha };
  }
  const original = await readAll(run.source, from, MAX_REWRITE_BYTES, run.signal);
  const result = run.rewriter?.rewrite(rel, original);
  const content = result?.content ?? original;
  return { sourceSha: sha256Of(original), sha: sha256Of(content), content, layers: result?.layers };
}

/** Writes the incoming version of `rel` at `to` (relative to the target folder). */
async function deliver(run: SyncRun, rel: string, to: string, known?: Incoming): Promise<Incoming> {
  const target = inside(run.targetDir, to);
  if (!rewrites(run, rel)) {
    const { sha256, bytes } = await copyStreaming(
      run.source,
      inside(run.sourceDir, rel),
      run.target,
      target,
      run.signal,
    );
    run.report.bytes += bytes;
    return { sourceSha: sha256, sha: sha256 };
  }
  const incoming = known?.content ? known : await readIncoming(run, rel);
  const content = incoming.content as Buffer;
  await writeBuffer(run.target, target, content, run.signal);
  run.report.bytes += content.length;
  if (incoming.layers !== undefined) run.report.rewritten.push({ path: to, layers: incoming.layers });
  return incoming;
}

async function copy(run: SyncRun, rel: string, source: FileEntry, known?: Incoming): Promise<void> {
  const delivered = await deliver(run, rel, rel, known);
  run.written.set(rel, { source: viewOf(source, delivered.sourceSha), targetSha: delivered.sha });
  run.report.copied.push(rel);
}

async function keepBoth(run: SyncRun, rel: string, source: FileEntry, target: FileView, known: Incoming) {
  const keptAs = await conflictPath(rel, run.node, run.now, (candidate) =>
    run.target.exists(inside(run.targetDir, candidate)),
  );
  await deliver(run, rel, keptAs, known);
  run.baseline.set(rel, { source: viewOf(source, known.sourceSha), target, diverged: true });
  run.report.conflicts.push({ path: rel, keptAs });
}

/**
 * One source file against the target and the last sync (decision 0014, "File sync"): copied when
 * new or changed at the source only; left alone when unchanged or changed at the target only;
 * adopted when both hold the same content; otherwise the target's file stays and the incoming one
 * is written next to it. A view (size, time) that moved is confirmed by content before it counts.
 */
export async function syncFile(run: SyncRun, rel: string, source: FileEntry, target?: FileEntry): Promise<void> {
  const last = run.baseline.get(rel);
  const forced = run.rewriteChanged && rewrites(run, rel);
  if (!target) return copy(run, rel, source);
  if (last && !forced && sameView(source, last.source)) {
    run.report.unchanged++;
    return;
  }
  if (target.isDirectory) {
    return keepBoth(run, rel, source, viewOf(target, ''), await readIncoming(run, rel));
  }
  const targetClean = last !== undefined && !last.diverged && !run.neverOverwrite && sameView(target, last.target);
  if (targetClean) {
    if (!forced && source.size === last.source.size) {
      const sha = await hashFile(run.source, inside(run.sourceDir, rel), run.signal);
      if (sha === last.source.sha256) {
        run.baseline.set(rel, { ...last, source: viewOf(source, sha) });
        run.report.unchanged++;
        return;
      }
    }
    return copy(run, rel, source);
  }
  const incoming = await readIncoming(run, rel);
  const targetSha = await hashFile(run.target, inside(run.targetDir, rel), run.signal);
  if (incoming.sha === targetSha) {
    run.baseline.set(rel, { source: viewOf(source, incoming.sourceSha), target: viewOf(target, targetSha) });
    run.report.unchanged++;
    return;
  }
  if (last && !last.diverged && !run.neverOverwrite && targetSha === last.target.sha256) {
    return copy(run, rel, source, incoming); // the target's time moved, not its content
  }
  if (last && !forced && incoming.sourceSha === last.source.sha256) {
    // The source's time moved, not its content; the target's own change is its business.
    run.baseline.set(rel, { ...last, source: viewOf(source, incoming.sourceSha) });
    run.report.unchanged++;
    return;
  }
  return keepBoth(run, rel, source, viewOf(target, targetSha), incoming);
}
