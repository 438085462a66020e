import path from 'node:path';

/** The `dbsync` settings, with the work folder resolved (config.schema.ts documents each). */
export interface DbSyncSettings {
  batchChanges: number;
  pgBinDir: string;
  /** Absolute: packages live in `packages/`, changes saved by a forced deploy in `unsynced/`. */
  workDir: string;
  packageRetentionDays: number;
  maxClockSkewSeconds: number;
}

export const DEFAULT_DBSYNC_SETTINGS = {
  batchChanges: 10_000,
  pgBinDir: '/usr/lib/postgresql/15/bin',
  packageRetentionDays: 30,
  maxClockSkewSeconds: 300,
} as const;

export function resolveDbSyncSettings(
  settings: Omit<DbSyncSettings, 'workDir'> & { workDir?: string },
  dataDir: string,
): DbSyncSettings {
  const root = path.resolve(dataDir);
  return {
    batchChanges: settings.batchChanges,
    pgBinDir: settings.pgBinDir,
    workDir: settings.workDir ? path.resolve(root, settings.workDir) : path.join(root, 'dbsync'),
    packageRetentionDays: settings.packageRetentionDays,
    maxClockSkewSeconds: settings.maxClockSkewSeconds,
  };
}

export const packagesDir = (settings: DbSyncSettings): string => path.join(settings.workDir, 'packages');
export const unsyncedDir = (settings: DbSyncSettings): string => path.join(settings.workDir, 'unsynced');
