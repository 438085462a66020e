import { z } from 'zod';

/**
 * Two-way database sync (`/api/v1/dbsync/...`, decision 0014). Centrals and clones are database
 * connections named like everywhere else; files go through file-service connections.
 */

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const noControl = (s: string) => !CONTROL.test(s);

/** A connection's name (`alias-bucket` for one bucket of a multi-bucket S3 connection). */
export const dbsyncConnectionSchema = z.string().min(1).max(200).refine(noControl, 'must not hold control characters');

/** A PostgreSQL schema name as the database spells it (quoted by the server, so any text). */
export const dbsyncSchemaNameSchema = z.string().min(1).max(63).refine(noControl, 'must not hold control characters');

/** `schema.table`, split at the first dot. */
export const dbsyncTableNameSchema = z
  .string()
  .min(3)
  .max(127)
  .refine((s) => noControl(s) && s.indexOf('.') > 0 && s.indexOf('.') < s.length - 1, 'must be schema.table');

export const dbsyncRules = ['lww', 'central_wins', 'manual'] as const;
export type DbSyncRule = (typeof dbsyncRules)[number];

/** A package file in the server's dbsync work folder: a plain name, never a path. */
export const dbsyncPackageNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.zip$/, 'must be a file name ending in .zip: letters, digits, . _ -');

/** A folder inside a file service, relative to its root (`''`: the root). */
const folderSchema = z.string().max(4096).default('');
const excludeSchema = z.array(z.string().min(1).max(1024)).max(200).default([]);

// --- requests ---------------------------------------------------------------------------------

export const dbsyncInstallRequestSchema = z.strictObject({ central: dbsyncConnectionSchema });

export const dbsyncPrepareRequestSchema = z.strictObject({
  central: dbsyncConnectionSchema,
  schemas: z.array(dbsyncSchemaNameSchema).min(1).max(200),
  /** Per table: the conflict rule (others keep theirs; new ones get lww). */
  rules: z.record(dbsyncTableNameSchema, z.enum(dbsyncRules)).optional(),
  /** Tables without a primary key to sync anyway (their uid becomes their key). */
  syncWithoutPrimaryKey: z.array(dbsyncTableNameSchema).max(1000).optional(),
});
export type DbSyncPrepareRequest = z.infer<typeof dbsyncPrepareRequestSchema>;

export const dbsyncMigrateRequestSchema = z.strictObject({
  central: dbsyncConnectionSchema,
  /** DDL run on the central, then replayed by every clone at its next sync. */
  statements: z.array(z.string().min(1).max(10_000_000)).min(1).max(1000),
  description: z.string().max(2000).optional(),
  /** Schemas of new tables that join the sync (default: those already synced). */
  schemas: z.array(dbsyncSchemaNameSchema).max(200).optional(),
});
export type DbSyncMigrateRequest = z.infer<typeof dbsyncMigrateRequestSchema>;

export const dbsyncPackageRequestSchema = z.strictObject({
  central: dbsyncConnectionSchema,
  /** SQL each clone runs at the end of its deploy transaction. */
  afterSql: z.string().max(10_000_000).optional(),
});
export type DbSyncPackageRequest = z.infer<typeof dbsyncPackageRequestSchema>;

export const dbsyncDeployRequestSchema = z.strictObject({
  clone: dbsyncConnectionSchema,
  /** A package of the work folder (made by `package`, or uploaded). */
  package: dbsyncPackageNameSchema,
  /** Replace a clone with changes the central has not received (saved to a JSON file first). */
  force: z.boolean().default(false),
});
export type DbSyncDeployRequest = z.infer<typeof dbsyncDeployRequestSchema>;

export const dbsyncSyncRequestSchema = z.strictObject({
  central: dbsyncConnectionSchema,
  clone: dbsyncConnectionSchema,
  /** Changes per batch (default: the `dbsync.batchChanges` setting). */
  batchChanges: z.number().int().min(1).max(1_000_000).optional(),
});
export type DbSyncSyncRequest = z.infer<typeof dbsyncSyncRequestSchema>;

export const dbsyncStatusQuerySchema = z.strictObject({
  central: dbsyncConnectionSchema,
  clone: dbsyncConnectionSchema.optional(),
});

export const dbsyncPairQuerySchema = z.strictObject({
  central: dbsyncConnectionSchema,
  clone: dbsyncConnectionSchema,
});

export const dbsyncConflictOutcomes = ['auto', 'pending', 'resolved'] as const;

export const dbsyncConflictsQuerySchema = z.strictObject({
  central: dbsyncConnectionSchema,
  outcome: z.enum(dbsyncConflictOutcomes).optional(),
  table: dbsyncTableNameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type DbSyncConflictsQuery = z.infer<typeof dbsyncConflictsQuerySchema>;

export const dbsyncConflictParamsSchema = z.strictObject({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 53 - 1),
});

export const dbsyncKeepChoices = ['central', 'clone', 'value'] as const;

export const dbsyncResolveRequestSchema = z.strictObject({
  central: dbsyncConnectionSchema,
  keep: z.enum(dbsyncKeepChoices),
  /** With keep = value: the column's value as JSON (geometries as hex EWKB text). */
  value: z.unknown().optional(),
});
export type DbSyncResolveRequest = z.infer<typeof dbsyncResolveRequestSchema>;

export const dbsyncFilesGetRequestSchema = z
  .strictObject({
    centralFiles: dbsyncConnectionSchema,
    centralDir: folderSchema,
    cloneFiles: dbsyncConnectionSchema,
    cloneDir: folderSchema,
    exclude: excludeSchema,
    /** With cloneDatabase: QGIS projects' layers on this database are pointed at the clone's. */
    centralDatabase: dbsyncConnectionSchema.optional(),
    cloneDatabase: dbsyncConnectionSchema.optional(),
  })
  .refine((r) => (r.centralDatabase === undefined) === (r.cloneDatabase === undefined), {
    message: 'give both centralDatabase and cloneDatabase to rewrite QGIS projects, or neither',
    path: ['cloneDatabase'],
  });
export type DbSyncFilesGetRequest = z.infer<typeof dbsyncFilesGetRequestSchema>;

export const dbsyncFilesSendRequestSchema = z.strictObject({
  localFiles: dbsyncConnectionSchema,
  localDir: folderSchema,
  cloneFiles: dbsyncConnectionSchema,
  cloneDir: folderSchema,
  exclude: excludeSchema,
});
export type DbSyncFilesSendRequest = z.infer<typeof dbsyncFilesSendRequestSchema>;

export const dbsyncFilesMediaRequestSchema = z.strictObject({
  cloneFiles: dbsyncConnectionSchema,
  /** The clone's project folder: its `media/upload/` is sent. */
  cloneDir: folderSchema,
  centralFiles: dbsyncConnectionSchema,
  centralDir: folderSchema,
});
export type DbSyncFilesMediaRequest = z.infer<typeof dbsyncFilesMediaRequestSchema>;

export const dbsyncPackageParamsSchema = z.strictObject({ name: dbsyncPackageNameSchema });
