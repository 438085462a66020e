import { z } from 'zod';

import type { FileService } from '../../connectors/file-service.ts';
import { OperationalError, UserError } from '../../errors/errors.ts';
import { normalizeRelativePath } from '../../lib/confine-path.ts';
import { param } from '../parameter.ts';
import type { TaskActionContext, TaskRunContext, TaskType } from '../task-type.ts';
import { FIRST_VERSION, latestVersion, listVersions, versionPattern, versionPath } from './file-versions.ts';
import { STAGED_FILE_KIND, stagedFileData, stagedFileName, tempNameFor } from './staged-file.ts';
import { type CopyDigest, type FileLocation, verifiedCopy } from './verified-copy.ts';

/** Parameter names are the Task Manager's, so its exports import unchanged. */
export const copyFileParameters = z.strictObject({
  sourceService: param.fileService('File service to copy from'),
  sourcePath: param.file('sourceService', 'File to copy; a path with ### reads its latest version'),
  targetService: param.fileService('File service to copy to'),
  targetPath: param.file('targetService', 'Where to copy it; ### marks the version number'),
  'auto-versioned': param.boolean('Version the target: insert .### before the extension of the target path').optional(),
});
export type CopyFileParameters = z.infer<typeof copyFileParameters>;

const sourceNotFound = (what: string, service: string) =>
  new UserError('source_not_found', `${what} does not exist on file service '${service}'`, { status: 404 });

/**
 * The file to read: the latest version of a `###` path, and the staged copy when an earlier
 * task of this run copied to this path (its final name appears only on commit).
 */
async function resolveSource(params: CopyFileParameters, ctx: TaskRunContext): Promise<FileLocation> {
  const service = await ctx.services.connections.fileService(params.sourceService);
  const pattern = versionPattern(params.sourcePath, false);
  let sourcePath = normalizeRelativePath(params.sourcePath);
  if (pattern) {
    const latest = await latestVersion(service, pattern);
    if (!latest) throw sourceNotFound(`No version of '${params.sourcePath}'`, params.sourceService);
    sourcePath = latest.path;
  }
  const staged = ctx.findStaged(STAGED_FILE_KIND, stagedFileName(params.sourceService, sourcePath));
  const stagedData = staged && stagedFileData(staged);
  if (stagedData?.mode === 'replace') sourcePath = stagedData.temp;
  if (!(await service.exists(sourcePath))) throw sourceNotFound(`Source file '${sourcePath}'`, params.sourceService);
  return { service, path: sourcePath };
}

/** Stages the target and returns where the copy goes. */
async function stageTarget(params: CopyFileParameters, service: FileService, ctx: TaskRunContext): Promise<string> {
  const pattern = versionPattern(params.targetPath, params['auto-versioned'] ?? false);
  if (pattern) {
    const latest = await latestVersion(service, pattern);
    const target = versionPath(pattern, latest ? latest.version + 1 : FIRST_VERSION);
    const data = { mode: 'version', service: params.targetService, target, previous: latest?.path ?? null };
    await ctx.stage({ kind: STAGED_FILE_KIND, name: stagedFileName(params.targetService, target), data });
    return target;
  }
  const target = normalizeRelativePath(params.targetPath);
  if ((await service.exists(target)) && (await service.stat(target)).isDirectory) {
    throw new UserError('is_a_directory', `Target '${target}' is a folder, not a file`);
  }
  const temp = tempNameFor(target);
  const data = { mode: 'replace', service: params.targetService, target, temp };
  await ctx.stage({ kind: STAGED_FILE_KIND, name: stagedFileName(params.targetService, target), data });
  return temp;
}

function outcomeMessage(digest: CopyDigest, from: string, to: string): string {
  return `copied ${digest.bytes.toLocaleString('en')} bytes from ${from} to ${to} (SHA-256 ${digest.sha256.slice(0, 12)}…)`;
}

/**
 * CopyFile (Task Manager's CopyFileTask): copies one file between file services, streamed and
 * checked by size and SHA-256. A versioned target (`###`, or auto-versioned) gets the next
 * version number and commit removes the previous version; otherwise the copy is staged next to
 * the target and renamed onto it on commit, so a rollback leaves the old file as it was.
 */
export const copyFileTask: TaskType<CopyFileParameters> = {
  type: 'CopyFile',
  title: 'Copy a file',
  description: 'Copies a file from one file service to another; commit/rollback by version numbers or a staged copy',
  parameters: copyFileParameters,
  capability: 'transactional',
  supportsCleanup: true,

  async run(params, ctx) {
    const source = await resolveSource(params, ctx);
    const targetService = await ctx.services.connections.fileService(params.targetService);
    const written = await stageTarget(params, targetService, ctx);
    const digest = await verifiedCopy(
      source,
      { service: targetService, path: written },
      { signal: ctx.signal, onProgress: (done, total) => ctx.progress(done, total, 'bytes') },
    );
    return {
      message: outcomeMessage(digest, `${params.sourceService}:${source.path}`, `${params.targetService}:${written}`),
    };
  },

  async commitStaged(object, ctx) {
    const data = stagedFileData(object);
    const service = await ctx.services.connections.fileService(data.service);
    if (data.mode === 'version') {
      if (data.previous) await service.remove(data.previous);
      return;
    }
    // The swap is one rename (atomic where the service allows: see FileService.rename).
    if (await service.exists(data.temp)) return service.rename(data.temp, data.target);
    // Recovery repeats commits: no staged copy left and the target there means an earlier
    // attempt got through, and the target is left alone (it may have changed since).
    if (await service.exists(data.target)) return;
    throw new OperationalError(
      'staged_file_missing',
      `Cannot commit '${data.target}' on file service '${data.service}': its staged copy '${data.temp}' is gone`,
    );
  },

  async rollbackStaged(object, ctx) {
    const data = stagedFileData(object);
    const service = await ctx.services.connections.fileService(data.service);
    await service.remove(data.mode === 'version' ? data.target : data.temp);
  },

  /** Removes the target; for a versioned target every version, since each was this task's output. */
  async cleanup(params, ctx: TaskActionContext) {
    const service = await ctx.services.connections.fileService(params.targetService);
    const pattern = versionPattern(params.targetPath, params['auto-versioned'] ?? false);
    const paths = pattern
      ? (await listVersions(service, pattern)).map((v) => v.path)
      : [normalizeRelativePath(params.targetPath)];
    for (const filePath of paths) await service.remove(filePath);
    ctx.log('info', `removed ${paths.length} file(s) of ${params.targetService}:${params.targetPath}`);
  },
};
