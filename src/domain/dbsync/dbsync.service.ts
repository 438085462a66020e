import path from 'node:path';
import type { Readable } from 'node:stream';

import type {
  DbSyncConflictsQuery,
  DbSyncDeployRequest,
  DbSyncFilesGetRequest,
  DbSyncFilesMediaRequest,
  DbSyncFilesSendRequest,
  DbSyncMigrateRequest,
  DbSyncPackageRequest,
  DbSyncPrepareRequest,
  DbSyncResolveRequest,
  DbSyncSyncRequest,
} from '../../contracts/dbsync.dto.ts';
import type { DbSyncPackageResult } from '../../contracts/dbsync-results.dto.ts';
import type { TaskConnections } from '../../tasks/task-type.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import { assertAdmin } from '../security/permissions.ts';
import type { Principal } from '../security/principal.ts';
import { principalDbSyncConnections } from './service/dbsync-connections.ts';
import { type FileProgress, getFiles, sendFiles, sendMediaFiles } from './service/file-operations.ts';
import * as ops from './service/operations.ts';
import {
  existingPackage,
  listPackages,
  newPackageName,
  packageFile,
  removePackage,
  saveUpload,
} from './service/package-files.ts';
import type { DbSyncSettings } from './service/settings.ts';

export interface DbSyncServiceOptions {
  connections: ConnectionsService;
  /** Opens connections by name and keeps their pools warm (shared with the task types). */
  taskConnections: TaskConnections;
  settings: DbSyncSettings;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type DbSyncService = ReturnType<typeof createDbSyncService>;

/**
 * Two-way database sync for people (API, CLI). Install, prepare, migrate, package and deploy
 * change what databases are and are for administrators; the rest needs a user whose roles allow
 * every connection named (others are reported as missing, as everywhere).
 */
export function createDbSyncService(options: DbSyncServiceOptions) {
  const { settings } = options;
  const deps = (principal: Principal, call: CallOptions = {}): ops.OperationDeps => ({
    connections: principalDbSyncConnections(principal, options.connections, options.taskConnections),
    settings,
    signal: call.signal ?? new AbortController().signal,
  });
  const admin = (principal: Principal, call?: CallOptions) => {
    assertAdmin(principal);
    return deps(principal, call);
  };

  async function packageAs(
    d: ops.OperationDeps,
    input: DbSyncPackageRequest,
    outputPath: string,
  ): Promise<DbSyncPackageResult> {
    const result = await ops.packageTo(d, { central: input.central, outputPath, afterSql: input.afterSql });
    return {
      central: input.central,
      name: path.basename(result.path),
      packageId: result.packageId,
      bytes: result.bytes,
      tables: result.tables,
      schemas: result.schemas,
      snapshot: result.snapshot,
      schemaVersion: result.schemaVersion,
    };
  }

  return {
    settings,

    install: (principal: Principal, central: string, call?: CallOptions) =>
      ops.install(admin(principal, call), central),

    prepare: (principal: Principal, input: DbSyncPrepareRequest, call?: CallOptions) =>
      ops.prepare(admin(principal, call), input),

    migrate: (principal: Principal, input: DbSyncMigrateRequest, call?: CallOptions) =>
      ops.migrate(admin(principal, call), input),

    /** A package in the work folder, under a name geosync chooses. */
    async createPackage(principal: Principal, input: DbSyncPackageRequest, call?: CallOptions) {
      const d = admin(principal, call);
      const name = await newPackageName(settings, input.central);
      return packageAs(d, input, await packageFile(settings, name));
    },

    /** A package written where the command line says (the CLI runs on the server as its owner). */
    async packageToFile(
      principal: Principal,
      input: DbSyncPackageRequest & { outputPath: string },
      call?: CallOptions,
    ): Promise<DbSyncPackageResult & { path: string }> {
      const outputPath = path.resolve(input.outputPath);
      return { ...(await packageAs(admin(principal, call), input, outputPath)), path: outputPath };
    },

    listPackages(principal: Principal) {
      assertAdmin(principal);
      return listPackages(settings);
    },

    /** The file of a package, for a download. */
    packageForDownload(principal: Principal, name: string) {
      assertAdmin(principal);
      return existingPackage(settings, name);
    },

    uploadPackage(principal: Principal, body: Readable, upload: { name: string; signal?: AbortSignal }) {
      assertAdmin(principal);
      return saveUpload(settings, body, { name: upload.name, signal: upload.signal ?? new AbortController().signal });
    },

    removePackage(principal: Principal, name: string) {
      assertAdmin(principal);
      return removePackage(settings, name);
    },

    async deploy(principal: Principal, input: DbSyncDeployRequest, call?: CallOptions) {
      const d = admin(principal, call);
      const { file } = await existingPackage(settings, input.package);
      return ops.deploy(d, { clone: input.clone, archivePath: file, force: input.force });
    },

    deployFile(
      principal: Principal,
      input: { clone: string; archivePath: string; force?: boolean },
      call?: CallOptions,
    ) {
      return ops.deploy(admin(principal, call), { ...input, archivePath: path.resolve(input.archivePath) });
    },

    sync: (
      principal: Principal,
      input: DbSyncSyncRequest,
      call: CallOptions & { onProgress?: ops.SyncProgress } = {},
    ) => ops.sync(deps(principal, call), input, call.onProgress),

    status: (principal: Principal, input: { central: string; clone?: string }, call?: CallOptions) =>
      ops.status(deps(principal, call), input),

    verify: (principal: Principal, input: { central: string; clone: string }, call?: CallOptions) =>
      ops.verify(deps(principal, call), input),

    conflicts: (principal: Principal, query: DbSyncConflictsQuery, call?: CallOptions) =>
      ops.conflicts(deps(principal, call), query),

    resolveConflict: (principal: Principal, id: number, input: DbSyncResolveRequest, call?: CallOptions) =>
      ops.resolve(deps(principal, call), id, input, principal.username),

    filesGet: (
      principal: Principal,
      input: DbSyncFilesGetRequest,
      call: CallOptions & { onProgress?: FileProgress } = {},
    ) => getFiles(deps(principal, call), input, call.onProgress),

    filesSend: (
      principal: Principal,
      input: DbSyncFilesSendRequest,
      call: CallOptions & { onProgress?: FileProgress } = {},
    ) => sendFiles(deps(principal, call), input, call.onProgress),

    filesMedia: (
      principal: Principal,
      input: DbSyncFilesMediaRequest,
      call: CallOptions & { onProgress?: FileProgress } = {},
    ) => sendMediaFiles(deps(principal, call), input, call.onProgress),
  };
}
