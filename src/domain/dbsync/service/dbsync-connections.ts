import type { PostgresDatabase } from '../../../connectors/database.ts';
import type { FileService } from '../../../connectors/file-service.ts';
import type { ConnectionKind } from '../../../contracts/connections.dto.ts';
import { isGeosyncError, UserError } from '../../../errors/errors.ts';
import type { TaskConnections } from '../../../tasks/task-type.ts';
import type { ConnectionsService } from '../../connections/connections.service.ts';
import type { Principal } from '../../security/principal.ts';

/** The connections a sync operation names: databases of a PostgreSQL server, file services. */
export interface DbSyncConnections {
  /** A database on a PostgreSQL server (never the embedded store: `dbsync_requires_postgres`). */
  database(name: string): Promise<PostgresDatabase>;
  fileService(name: string): Promise<FileService>;
}

/**
 * The embedded store has no server a libpq tool or a clone could reach, and PGlite streams no
 * COPY: it cannot be a central or a clone.
 */
export function requirePostgresServer(db: PostgresDatabase, name: string): PostgresDatabase {
  if (db.libpqParams) return db;
  throw new UserError(
    'dbsync_requires_postgres',
    `Database '${name}' is geosync's embedded store: database sync needs a PostgreSQL server reached by a postgis connection`,
  );
}

/** Tasks run as geosync itself: who may name which connection was checked when the configuration was saved. */
export function taskDbSyncConnections(connections: TaskConnections): DbSyncConnections {
  return {
    database: async (name) => requirePostgresServer(await connections.postgres(name), name),
    fileService: (name) => connections.fileService(name),
  };
}

const KIND_WORDS: Record<ConnectionKind, string> = {
  database: 'database',
  file_service: 'file service',
  map_server: 'map server',
  peer: 'peer',
};

const connectionNotFound = (kind: ConnectionKind, name: string) =>
  new UserError('connection_not_found', `There is no ${KIND_WORDS[kind]} connection named '${name}'`, {
    status: 404,
  });

const isNotFound = (error: unknown) => isGeosyncError(error) && error.code === 'not_found';

/**
 * Connections a person names (API, CLI): only those their roles allow (others are reported as
 * missing, as everywhere), then opened like a task's, so pools stay warm between requests.
 */
export function principalDbSyncConnections(
  principal: Principal,
  connections: ConnectionsService,
  open: TaskConnections,
): DbSyncConnections {
  async function mayUse(kind: ConnectionKind, name: string): Promise<void> {
    try {
      await connections.resolve(principal, name, kind);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // `alias-bucket` names one bucket of a multi-bucket connection `alias`: its roles decide.
    if (kind === 'file_service') {
      for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) {
        const found = await connections.resolve(principal, name.slice(0, i), kind).catch(() => undefined);
        if (found) return;
      }
    }
    const other = await connections.resolve(principal, name).catch(() => undefined);
    if (other) {
      throw new UserError(
        'wrong_connection_type',
        `Connection '${name}' is a ${KIND_WORDS[other.kind]} connection, not a ${KIND_WORDS[kind]}`,
      );
    }
    throw connectionNotFound(kind, name);
  }
  return {
    async database(name) {
      await mayUse('database', name);
      return requirePostgresServer(await open.postgres(name), name);
    },
    async fileService(name) {
      await mayUse('file_service', name);
      return open.fileService(name);
    },
  };
}
