import { z } from 'zod';

import { dbsyncRules, dbsyncConflictOutcomes } from './dbsync.dto.ts';

/** What the dbsync endpoints answer (`/api/v1/dbsync/...`); the requests are in dbsync.dto.ts. */

export const dbsyncInstallResultSchema = z.object({
  central: z.string(),
  installed: z.boolean(),
  upgradedFrom: z.number().int().optional(),
  structureVersion: z.number().int(),
  nodeId: z.string(),
});
export type DbSyncInstallResult = z.infer<typeof dbsyncInstallResultSchema>;

export const dbsyncPrepareResultSchema = z.object({
  central: z.string(),
  serverId: z.string(),
  tables: z.array(
    z.object({
      table: z.string(),
      rule: z.enum(dbsyncRules),
      uid: z.enum(['existing', 'added_by_rewrite', 'added_online']),
      newlySynced: z.boolean(),
    }),
  ),
  /** Left out: no primary key (name them in syncWithoutPrimaryKey to sync them anyway). */
  withoutPrimaryKey: z.array(z.string()),
  /** How many DDL statements prepare ran. */
  statements: z.number().int(),
});
export type DbSyncPrepareResult = z.infer<typeof dbsyncPrepareResultSchema>;

export const dbsyncMigrateResultSchema = z.object({
  central: z.string(),
  schemaVersion: z.number().int(),
  newTables: z.array(z.string()),
});
export type DbSyncMigrateResult = z.infer<typeof dbsyncMigrateResultSchema>;

const packagedTableSchema = z.object({ schema: z.string(), name: z.string(), rows: z.number().int() });

export const dbsyncPackageResultSchema = z.object({
  central: z.string(),
  /** The package's file name in the work folder (download, deploy). */
  name: z.string(),
  packageId: z.string(),
  bytes: z.number().int(),
  tables: z.array(packagedTableSchema),
  schemas: z.array(z.string()),
  snapshot: z.string(),
  schemaVersion: z.number().int(),
});
export type DbSyncPackageResult = z.infer<typeof dbsyncPackageResultSchema>;

export const dbsyncPackageFileSchema = z.object({
  name: z.string(),
  bytes: z.number().int(),
  modified: z.string(),
});
export type DbSyncPackageFile = z.infer<typeof dbsyncPackageFileSchema>;
export const dbsyncPackageListSchema = z.object({ items: z.array(dbsyncPackageFileSchema) });

/** An uploaded package, checked whole (manifest, entries, checksums) before it is kept. */
export const dbsyncUploadResultSchema = z.object({
  name: z.string(),
  bytes: z.number().int(),
  packageId: z.string(),
  centralId: z.string(),
  createdAt: z.string(),
  schemaVersion: z.number().int(),
  schemas: z.array(z.string()),
  tables: z.array(packagedTableSchema),
});
export type DbSyncUploadResult = z.infer<typeof dbsyncUploadResultSchema>;

export const dbsyncDeployResultSchema = z.object({
  clone: z.string(),
  nodeId: z.string(),
  packageId: z.string(),
  centralId: z.string(),
  tables: z.array(packagedTableSchema),
  rows: z.number().int(),
  /** Where a forced deploy saved the clone's unsent changes (a JSON file on the server). */
  savedUnsyncedChangesTo: z.string().optional(),
});
export type DbSyncDeployResult = z.infer<typeof dbsyncDeployResultSchema>;

const transferSchema = z.object({
  changes: z.number().int(),
  batches: z.number().int(),
  applied: z.number().int(),
  conflicts: z.number().int(),
  quarantined: z.number().int(),
  bytes: z.number(),
  replays: z.number().int(),
});

export const dbsyncSyncResultSchema = z.object({
  central: z.string(),
  clone: z.string(),
  runId: z.string(),
  cloneId: z.string(),
  toClone: transferSchema,
  toCentral: transferSchema,
  pingBack: transferSchema,
  conflicts: z.number().int(),
  quarantined: z.number().int(),
  schemaMigrationsApplied: z.number().int(),
  clockOffsetMs: z.number(),
  warnings: z.array(z.string()),
  durationMs: z.number(),
});
export type DbSyncSyncResult = z.infer<typeof dbsyncSyncResultSchema>;

const syncRunSchema = z.object({
  id: z.number().int(),
  cloneId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  toClone: z.number().int(),
  toCentral: z.number().int(),
  conflicts: z.number().int(),
  quarantined: z.number().int(),
  batches: z.number().int(),
  bytes: z.number(),
  durationMs: z.number().nullable(),
  clockOffsetMs: z.number().nullable(),
  outcome: z.enum(['running', 'succeeded', 'failed']),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});

export const dbsyncCentralStatusSchema = z.object({
  nodeId: z.string(),
  schemaVersion: z.number().int(),
  structureVersion: z.number().int(),
  tables: z.array(z.object({ table: z.string(), rule: z.string() })),
  clones: z.array(
    z.object({
      nodeId: z.string(),
      name: z.string(),
      lastSyncAt: z.string().nullable(),
      expired: z.boolean(),
      pendingToClone: z.number().int(),
    }),
  ),
  pendingConflicts: z.number().int(),
  changeLogRows: z.number().int(),
  recentRuns: z.array(syncRunSchema),
});

export const dbsyncCloneStatusSchema = z.object({
  nodeId: z.string(),
  centralId: z.string(),
  schemaVersion: z.number().int(),
  pendingToClone: z.number().int(),
  pendingToCentral: z.number().int().nullable(),
  pendingConflicts: z.number().int(),
  lastRun: syncRunSchema.nullable(),
});

export const dbsyncStatusResultSchema = z.object({
  central: z.string(),
  centralStatus: dbsyncCentralStatusSchema,
  clone: z.string().optional(),
  cloneStatus: dbsyncCloneStatusSchema.optional(),
});
export type DbSyncStatusResult = z.infer<typeof dbsyncStatusResultSchema>;

export const dbsyncVerifyResultSchema = z.object({
  central: z.string(),
  clone: z.string(),
  equal: z.boolean(),
  tables: z.array(
    z.object({
      table: z.string(),
      centralRows: z.number().int(),
      cloneRows: z.number().int(),
      missingOnClone: z.array(z.string()),
      extraOnClone: z.array(z.string()),
      different: z.array(z.object({ uid: z.string(), columns: z.array(z.string()) })),
      truncated: z.boolean(),
    }),
  ),
});
export type DbSyncVerifyResult = z.infer<typeof dbsyncVerifyResultSchema>;

export const dbsyncConflictSchema = z.object({
  id: z.number().int(),
  nodeId: z.string(),
  table: z.string(),
  rowUid: z.string(),
  column: z.string().nullable(),
  kind: z.string(),
  rule: z.string(),
  base: z.unknown(),
  central: z.unknown(),
  clone: z.unknown(),
  incoming: z.unknown(),
  winner: z.enum(['central', 'clone', 'none']),
  outcome: z.enum(dbsyncConflictOutcomes),
  sqlstate: z.string().nullable(),
  message: z.string().nullable(),
  createdAt: z.string(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolution: z.unknown(),
});
export type DbSyncConflict = z.infer<typeof dbsyncConflictSchema>;

export const dbsyncConflictPageSchema = z.object({
  items: z.array(dbsyncConflictSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type DbSyncConflictPage = z.infer<typeof dbsyncConflictPageSchema>;

export const dbsyncFilesResultSchema = z.object({
  /** `connection:folder` the files came from and went to. */
  from: z.string(),
  to: z.string(),
  copied: z.array(z.string()),
  unchanged: z.number().int(),
  conflicts: z.array(z.object({ path: z.string(), keptAs: z.string() })),
  excluded: z.array(z.string()),
  missingAtSource: z.array(z.string()),
  rewritten: z.array(z.object({ path: z.string(), layers: z.number().int() })),
  bytes: z.number(),
});
export type DbSyncFilesResult = z.infer<typeof dbsyncFilesResultSchema>;
