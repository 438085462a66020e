/**
 * Package archives in the work folder (`<workDir>/packages/`): names chosen by geosync or
 * checked against one pattern, never a path a client gives; uploads are verified whole before
 * they are kept.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { dbsyncPackageNameSchema } from '../../../contracts/dbsync.dto.ts';
import { type DbSyncPackageFile, type DbSyncUploadResult } from '../../../contracts/dbsync-results.dto.ts';
import { UserError } from '../../../errors/errors.ts';
import { confinePath } from '../../../lib/confine-path.ts';
import { openPackage } from '../package/archive.ts';
import { type DbSyncSettings, packagesDir } from './settings.ts';

export function checkPackageName(name: string): string {
  const parsed = dbsyncPackageNameSchema.safeParse(name);
  if (parsed.success) return parsed.data;
  throw new UserError(
    'dbsync_invalid_package_name',
    `'${name}' is not a package name: ${parsed.error.issues[0]!.message}`,
    {
      details: [{ field: 'package', message: parsed.error.issues[0]!.message }],
    },
  );
}

/** A task's `package-name` may leave out `.zip`. */
export const withZip = (name: string): string => (name.toLowerCase().endsWith('.zip') ? name : `${name}.zip`);

async function folder(settings: DbSyncSettings): Promise<string> {
  const dir = packagesDir(settings);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The file of package `name` in the work folder (it need not exist). */
export async function packageFile(settings: DbSyncSettings, name: string): Promise<string> {
  return confinePath(await folder(settings), checkPackageName(name));
}

/** A hidden sibling no listing shows, renamed onto `file` when complete. */
export const partialFile = (file: string): string =>
  path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.partial`);

const notFound = (name: string) =>
  new UserError('dbsync_package_not_found', `There is no package '${name}' in the dbsync work folder`, {
    status: 404,
    details: [{ field: 'package', message: name }],
  });

/** The file of an existing package. */
export async function existingPackage(
  settings: DbSyncSettings,
  name: string,
): Promise<{ file: string; bytes: number }> {
  const file = await packageFile(settings, name);
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) throw notFound(name);
  return { file, bytes: found.size };
}

export async function listPackages(settings: DbSyncSettings): Promise<DbSyncPackageFile[]> {
  const dir = await folder(settings);
  const items: DbSyncPackageFile[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !dbsyncPackageNameSchema.safeParse(entry.name).success) continue;
    const found = await stat(path.join(dir, entry.name)).catch(() => undefined);
    if (found) items.push({ name: entry.name, bytes: found.size, modified: found.mtime.toISOString() });
  }
  return items.sort((a, b) => (a.modified < b.modified ? 1 : a.modified > b.modified ? -1 : 0));
}

export async function removePackage(settings: DbSyncSettings, name: string): Promise<void> {
  const { file } = await existingPackage(settings, name);
  await rm(file, { force: true });
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'central';

/** `<central>-<UTC time>.zip`: sortable, unique enough (a clash gets a suffix). */
export async function newPackageName(settings: DbSyncSettings, central: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  for (let n = 1; ; n++) {
    const name = `${safe(central)}-${stamp}${n === 1 ? '' : `-${n}`}.zip`;
    const taken = await stat(await packageFile(settings, name)).then(
      () => true,
      () => false,
    );
    if (!taken) return name;
  }
}

/**
 * Stores an uploaded archive after checking it as a deploy would (manifest, entries, checksums:
 * `dbsync_archive_invalid`), as `name` (replacing a package of that name).
 */
export async function saveUpload(
  settings: DbSyncSettings,
  body: Readable,
  options: { name: string; signal: AbortSignal },
): Promise<DbSyncUploadResult> {
  const name = checkPackageName(options.name);
  const dir = await folder(settings);
  // A private folder: the archive keeps a readable name in messages, and no listing shows it.
  const scratch = path.join(dir, `.upload-${randomBytes(6).toString('hex')}`);
  await mkdir(scratch, { mode: 0o700 });
  const partial = path.join(scratch, name);
  try {
    await pipeline(body, createWriteStream(partial, { flags: 'wx', mode: 0o600 }), { signal: options.signal });
    const { manifest } = await openPackage(partial, options.signal);
    const file = await packageFile(settings, name);
    const { size } = await stat(partial);
    await rename(partial, file);
    return {
      name,
      bytes: size,
      packageId: manifest.packageId,
      centralId: manifest.centralId,
      createdAt: manifest.createdAt,
      schemaVersion: manifest.schemaVersion,
      schemas: manifest.schemas,
      tables: manifest.tables.map(({ schema, name: table, rows }) => ({ schema, name: table, rows })),
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
