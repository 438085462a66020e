import type { Kysely, Selectable } from 'kysely';

import type { Connector } from '../../connectors/connector.ts';
import { isDatabaseSource, isPostgresDatabase } from '../../connectors/database.ts';
import { type FileService, isFileService, isFileServiceGroup } from '../../connectors/file-service.ts';
import { isPublisher, type Publisher } from '../../connectors/publisher.ts';
import type { ConnectionKind } from '../../contracts/connections.dto.ts';
import { UserError } from '../../errors/errors.ts';
import type { ConnectionsTable, Database } from '../../store/database.types.ts';
import type { TaskConnections } from '../../tasks/task-type.ts';
import { openSecrets } from './connection-secrets.ts';
import type { ConnectionsServiceOptions } from './connections.service.ts';

type Row = Selectable<ConnectionsTable>;

const notFound = (kind: string, name: string) =>
  new UserError('connection_not_found', `There is no ${kind} connection named '${name}'`, { status: 404 });

const wrongType = (name: string, wanted: string, type: string) =>
  new UserError('wrong_connection_type', `Connection '${name}' (${type}) is not ${wanted}`);

/**
 * The connections tasks use, opened on first use and kept open (pools stay warm between tasks
 * and runs). A connection changed since it was opened is reopened with its new settings. Tasks
 * run as geosync itself: who may name which connection is checked when a configuration is saved.
 */
export function createTaskConnections(
  options: ConnectionsServiceOptions & { localMapServer?: string },
): TaskConnections & {
  close(): Promise<void>;
} {
  const { db, types, box } = options;
  const open = new Map<string, { version: number; connector: Connector }>();

  async function find(dbOrTrx: Kysely<Database>, kind: ConnectionKind, name: string): Promise<Row | undefined> {
    return dbOrTrx
      .selectFrom('connections')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  async function connectorOf(row: Row): Promise<Connector> {
    const version = new Date(row.updated_at).getTime();
    const cached = open.get(row.id);
    if (cached?.version === version) return cached.connector;
    if (cached) await cached.connector.close().catch(() => undefined);
    const type = types.get(row.type);
    const connector = type.create({ ...row.config, ...openSecrets(box, row.secrets) }, options.deps);
    open.set(row.id, { version, connector });
    return connector;
  }

  async function database(name: string) {
    const row = await find(db, 'database', name);
    if (!row) throw notFound('database', name);
    const connector = await connectorOf(row);
    if (!isDatabaseSource(connector)) throw wrongType(name, 'a database geosync can read yet', row.type);
    return { row, connector };
  }

  async function fileService(name: string): Promise<FileService> {
    const row = await find(db, 'file_service', name);
    if (row) {
      const connector = await connectorOf(row);
      if (isFileService(connector)) return connector;
      if (isFileServiceGroup(connector)) {
        if (connector.members.length === 1) return connector.member(connector.members[0]!);
        throw new UserError(
          'ambiguous_file_service',
          `Connection '${name}' holds several file services; name one: ${connector.members.map((m) => `${name}-${m}`).join(', ')}`,
        );
      }
      throw wrongType(name, 'a file service geosync can use yet', row.type);
    }
    // `alias-bucket`: the connection's own name may contain hyphens, so try every split.
    for (let i = name.indexOf('-'); i > 0; i = name.indexOf('-', i + 1)) {
      const group = await find(db, 'file_service', name.slice(0, i));
      if (!group) continue;
      const connector = await connectorOf(group);
      const member = name.slice(i + 1);
      if (isFileServiceGroup(connector) && connector.members.includes(member)) return connector.member(member);
    }
    throw notFound('file service', name);
  }

  return {
    localMapServer: options.localMapServer ?? 'local',
    database: async (name) => (await database(name)).connector,
    async postgres(name) {
      const { row, connector } = await database(name);
      if (!isPostgresDatabase(connector)) throw wrongType(name, 'a PostgreSQL database', row.type);
      return connector;
    },
    fileService,
    async mapServer(name): Promise<Publisher> {
      const row = await find(db, 'map_server', name);
      if (!row) throw notFound('map server', name);
      const connector = await connectorOf(row);
      if (!isPublisher(connector)) throw wrongType(name, 'a map server geosync can publish on yet', row.type);
      return connector;
    },
    async close() {
      const connectors = [...open.values()].map((o) => o.connector);
      open.clear();
      await Promise.all(connectors.map((c) => c.close().catch(() => undefined)));
    },
  };
}
