/**
 * The sync operations as the API, the CLI and the task types run them: connections by name,
 * the `dbsync` settings, results as the contracts describe them. Who may name which connection
 * is the caller's business (DbSyncConnections).
 */
import type {
  DbSyncConflictsQuery,
  DbSyncMigrateRequest,
  DbSyncPrepareRequest,
  DbSyncResolveRequest,
} from '../../../contracts/dbsync.dto.ts';
import type {
  DbSyncConflict,
  DbSyncConflictPage,
  DbSyncDeployResult,
  DbSyncInstallResult,
  DbSyncMigrateResult,
  DbSyncPrepareResult,
  DbSyncStatusResult,
  DbSyncSyncResult,
  DbSyncVerifyResult,
} from '../../../contracts/dbsync-results.dto.ts';
import { UserError } from '../../../errors/errors.ts';
import { listCatalogTables } from '../catalog.ts';
import { listConflicts, resolveConflict } from '../conflicts.ts';
import { deployPackage } from '../package/deploy.ts';
import { packageCentral, type PackageOptions, type PackageResult } from '../package/package.ts';
import { prepareCentral } from '../prepare.ts';
import { migrateCentral } from '../schema-change.ts';
import { centralStatus, cloneStatus } from '../status.ts';
import { installStructures } from '../structures.ts';
import { syncClone, type SyncPhase } from '../sync.ts';
import { verifyClone } from '../verify.ts';
import type { DbSyncConnections } from './dbsync-connections.ts';
import { type DbSyncSettings, unsyncedDir } from './settings.ts';

export interface OperationDeps {
  connections: DbSyncConnections;
  settings: DbSyncSettings;
  signal: AbortSignal;
}

export type SyncProgress = (phase: SyncPhase, done: number, total: number) => void;

function distinct(central: string, clone: string): void {
  if (central !== clone) return;
  throw new UserError('dbsync_same_database', `'${central}' cannot be both the central and the clone`, {
    details: [{ field: 'clone', message: 'is the central' }],
  });
}

export async function install(deps: OperationDeps, central: string): Promise<DbSyncInstallResult> {
  const db = await deps.connections.database(central);
  const result = await db.withSession((s) => installStructures(s, { role: 'central' }), deps.signal);
  return {
    central,
    installed: result.installed,
    ...(result.upgradedFrom !== undefined && { upgradedFrom: result.upgradedFrom }),
    structureVersion: result.structureVersion,
    nodeId: result.meta.nodeId,
  };
}

/** Rules and forced tables must name tables of the prepared schemas: a typo is not silently ignored. */
async function checkNamedTables(deps: OperationDeps, input: DbSyncPrepareRequest): Promise<void> {
  const named = [...Object.keys(input.rules ?? {}), ...(input.syncWithoutPrimaryKey ?? [])];
  if (named.length === 0) return;
  const db = await deps.connections.database(input.central);
  const tables = await db.withSession((s) => listCatalogTables(s, input.schemas), deps.signal);
  const known = new Set(tables.map((t) => `${t.schema}.${t.name}`));
  const unknown = [...new Set(named)].filter((t) => !known.has(t));
  if (unknown.length > 0) {
    throw new UserError(
      'dbsync_table_not_found',
      `No table ${unknown.join(', ')} in the schemas to prepare (${input.schemas.join(', ')})`,
      { status: 404, details: unknown.map((t) => ({ field: 'rules', message: t })) },
    );
  }
}

export async function prepare(deps: OperationDeps, input: DbSyncPrepareRequest): Promise<DbSyncPrepareResult> {
  const db = await deps.connections.database(input.central);
  await checkNamedTables(deps, input);
  const result = await prepareCentral(db, {
    schemas: input.schemas,
    rules: input.rules,
    syncWithoutPrimaryKey: input.syncWithoutPrimaryKey,
    signal: deps.signal,
  });
  return {
    central: input.central,
    serverId: result.serverId,
    tables: result.tables,
    withoutPrimaryKey: result.withoutPrimaryKey,
    statements: result.ddl.length,
  };
}

export async function migrate(deps: OperationDeps, input: DbSyncMigrateRequest): Promise<DbSyncMigrateResult> {
  const db = await deps.connections.database(input.central);
  const result = await migrateCentral(db, {
    statements: input.statements,
    description: input.description,
    schemas: input.schemas,
    signal: deps.signal,
  });
  return { central: input.central, ...result };
}

/** Writes a package to `outputPath` (replaced atomically when it exists). */
export async function packageTo(
  deps: OperationDeps,
  input: { central: string; outputPath: string; afterSql?: string; onProgress?: PackageOptions['onProgress'] },
): Promise<PackageResult> {
  const db = await deps.connections.database(input.central);
  return packageCentral(db, {
    outputPath: input.outputPath,
    afterSql: input.afterSql,
    onProgress: input.onProgress,
    pgBinDir: deps.settings.pgBinDir,
    retentionDays: deps.settings.packageRetentionDays,
    signal: deps.signal,
  });
}

/** Forgets a package the central holds its log for (a package task rolled back: no clone gets it). */
export async function forgetPackage(deps: OperationDeps, central: string, packageId: string): Promise<void> {
  const db = await deps.connections.database(central);
  await db.withSession(
    (s) => s.query('DELETE FROM geosync_dbsync.package WHERE id = $1', [packageId]).then(() => undefined),
    deps.signal,
  );
}

export async function deploy(
  deps: OperationDeps,
  input: { clone: string; archivePath: string; force?: boolean },
): Promise<DbSyncDeployResult> {
  const db = await deps.connections.database(input.clone);
  const result = await deployPackage(db, {
    archivePath: input.archivePath,
    force: input.force ?? false,
    workDir: unsyncedDir(deps.settings),
    cloneName: input.clone,
    signal: deps.signal,
  });
  return {
    clone: input.clone,
    nodeId: result.nodeId,
    packageId: result.packageId,
    centralId: result.centralId,
    tables: result.tables,
    rows: result.rows,
    ...(result.savedUnsyncedChangesTo !== undefined && { savedUnsyncedChangesTo: result.savedUnsyncedChangesTo }),
  };
}

export async function sync(
  deps: OperationDeps,
  input: { central: string; clone: string; batchChanges?: number },
  onProgress?: SyncProgress,
): Promise<DbSyncSyncResult> {
  distinct(input.central, input.clone);
  const central = await deps.connections.database(input.central);
  const clone = await deps.connections.database(input.clone);
  const report = await syncClone(central, clone, {
    cloneName: input.clone,
    batchChanges: input.batchChanges ?? deps.settings.batchChanges,
    maxClockSkewMs: deps.settings.maxClockSkewSeconds * 1000,
    signal: deps.signal,
    onProgress,
  });
  return { central: input.central, clone: input.clone, ...report };
}

export async function status(
  deps: OperationDeps,
  input: { central: string; clone?: string },
): Promise<DbSyncStatusResult> {
  if (input.clone !== undefined) distinct(input.central, input.clone);
  const central = await deps.connections.database(input.central);
  const clone = input.clone === undefined ? undefined : await deps.connections.database(input.clone);
  const centralState = await centralStatus(central, deps.signal);
  if (!clone) return { central: input.central, centralStatus: centralState };
  return {
    central: input.central,
    centralStatus: centralState,
    clone: input.clone,
    cloneStatus: await cloneStatus(central, clone, deps.signal),
  };
}

export async function verify(
  deps: OperationDeps,
  input: { central: string; clone: string },
): Promise<DbSyncVerifyResult> {
  distinct(input.central, input.clone);
  const central = await deps.connections.database(input.central);
  const clone = await deps.connections.database(input.clone);
  return { central: input.central, clone: input.clone, ...(await verifyClone(central, clone, deps.signal)) };
}

export async function conflicts(deps: OperationDeps, query: DbSyncConflictsQuery): Promise<DbSyncConflictPage> {
  const central = await deps.connections.database(query.central);
  const page = await listConflicts(
    central,
    { outcome: query.outcome, table: query.table, limit: query.limit, offset: query.offset },
    deps.signal,
  );
  return { items: page.items, total: page.total, limit: query.limit, offset: query.offset };
}

export async function resolve(
  deps: OperationDeps,
  id: number,
  input: DbSyncResolveRequest,
  by: string,
): Promise<DbSyncConflict> {
  const central = await deps.connections.database(input.central);
  return resolveConflict(
    central,
    id,
    { keep: input.keep, ...(input.value !== undefined && { value: input.value }), by },
    deps.signal,
  );
}
