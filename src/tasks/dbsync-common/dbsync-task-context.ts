/** What the database sync task types share: settings, connections, read-only checks, list parameters. */
import path from 'node:path';

import type { PostgresDatabase } from '../../connectors/database.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import { taskDbSyncConnections } from '../../domain/dbsync/service/dbsync-connections.ts';
import type { OperationDeps } from '../../domain/dbsync/service/operations.ts';
import { DEFAULT_DBSYNC_SETTINGS, type DbSyncSettings } from '../../domain/dbsync/service/settings.ts';
import { LATEST_STRUCTURE_VERSION, type NodeMeta, type NodeRole, readMeta } from '../../domain/dbsync/structures.ts';
import type { TaskActionContext, TaskServices } from '../task-type.ts';

export function dbsyncSettings(services: TaskServices): DbSyncSettings {
  return services.dbsync ?? { ...DEFAULT_DBSYNC_SETTINGS, workDir: path.join(services.workDir, 'dbsync') };
}

/** The sync operations as a task runs them: connections by name, as geosync itself. */
export function taskDeps(ctx: TaskActionContext): OperationDeps {
  return {
    connections: taskDbSyncConnections(ctx.services.connections),
    settings: dbsyncSettings(ctx.services),
    signal: ctx.signal,
  };
}

/**
 * What a run checks before staging: the node is what the operation needs, read only (the
 * structures are upgraded by the work itself, at commit).
 */
export async function checkNode(
  db: PostgresDatabase,
  role: NodeRole,
  connection: string,
  signal: AbortSignal,
): Promise<NodeMeta> {
  const meta = await db.withSession((s) => readMeta(s), signal);
  if (meta === 'absent') {
    throw new UserError(
      'dbsync_not_installed',
      role === 'central'
        ? `Database '${connection}' has no sync structures: install and prepare it first (DbSyncInstall, DbSyncPrepareCentral)`
        : `Database '${connection}' is not a clone: deploy a package to it first (DbSyncDeploy)`,
      { status: 409 },
    );
  }
  if (meta === 'foreign') {
    throw conflict(
      'dbsync_foreign_structures',
      `Database '${connection}' has a schema named geosync_dbsync that geosync did not create`,
    );
  }
  if (meta.role !== role) {
    throw conflict('dbsync_wrong_role', `Database '${connection}' is a sync ${meta.role}, not a ${role}`);
  }
  if (meta.structureVersion > LATEST_STRUCTURE_VERSION()) {
    throw new UserError(
      'dbsync_structures_newer',
      `The sync structures of '${connection}' (version ${meta.structureVersion}) are newer than this geosync: upgrade geosync`,
      { status: 409 },
    );
  }
  return meta;
}

/** A comma-separated list parameter (`a, b,c`), empty entries dropped. */
export function listParameter(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export function invalidParameter(field: string, message: string): UserError {
  return new UserError('invalid_input', `${field}: ${message}`, { details: [{ field, message }] });
}

/** Two connections that must differ (a central is never its own clone). */
export function distinctConnections(central: string, clone: string): void {
  if (central === clone) {
    throw new UserError('dbsync_same_database', `'${central}' cannot be both the central and the clone`, {
      details: [{ field: 'clone-database', message: 'is the central' }],
    });
  }
}
