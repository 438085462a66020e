import type { PublisherCapability } from '../../connectors/connector.ts';
import { isDatabaseSource } from '../../connectors/database.ts';
import type { Connection, ConnectionKind } from '../../contracts/connections.dto.ts';
import { UserError } from '../../errors/errors.ts';
import type { ParameterKind } from '../../tasks/parameter.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import type { Principal } from '../security/principal.ts';
import type { WorkspacesService } from '../workspaces/workspaces.service.ts';
import { type CapabilityTypes, declaredCapabilities, missingCapabilities } from './map-server-capabilities.ts';

/** Kinds whose values are names of connections of one kind. */
const CONNECTION_KINDS: Partial<Record<ParameterKind, ConnectionKind>> = {
  database: 'database',
  'file-service': 'file_service',
  'map-server': 'map_server',
};

/**
 * The names tasks give a connection (what task-connections accepts): a file-service connection
 * serving several buckets (S3) is named per bucket, `<connection>-<bucket>`, since its bare name
 * is ambiguous; every other connection, a single-bucket one included, by its own name.
 */
function namesOf(connection: Connection): string[] {
  const buckets = connection.config['buckets'];
  const perBucket =
    connection.kind === 'file_service' &&
    Array.isArray(buckets) &&
    buckets.length > 1 &&
    buckets.every((b) => typeof b === 'string');
  return perBucket ? buckets.map((bucket) => `${connection.name}-${bucket}`) : [connection.name];
}

/** How long listing the tables of a database may take before the editor falls back to free text. */
const LIST_TABLES_TIMEOUT_MS = 10_000;

/** The tables and views of a database the caller may use, for a `table` attribute. */
async function tablesOf(principal: Principal, connections: ConnectionsService, database: string): Promise<string[]> {
  const connection = await connections.resolve(principal, database, 'database');
  const { connector } = await connections.open(principal, connection.id);
  try {
    if (!isDatabaseSource(connector)) {
      throw new UserError(
        'wrong_connection_type',
        `Database '${database}' (${connection.type}) cannot list its tables`,
      );
    }
    return await connector.listTables(AbortSignal.timeout(LIST_TABLES_TIMEOUT_MS));
  } finally {
    await connector.close().catch(() => undefined);
  }
}

/**
 * The values an attribute may take, for the editor's drop-down: the intersection over the kinds
 * of the parameters reading it. `null` = free text (no list is known for some kind, or a table
 * list whose database is not chosen yet). `database`: the value of the database the attribute's
 * parameters depend on, for tables. Files and layers come with the capabilities of their issues.
 * `needs`: map servers are offered only if their type declares they can do all of it (a
 * MapServer is not offered for security rules); a type that declares nothing is offered.
 */
export async function allowedValues(
  kinds: readonly ParameterKind[],
  principal: Principal,
  services: { connections: ConnectionsService; workspaces: WorkspacesService; connectorTypes?: CapabilityTypes },
  database?: string,
  needs: readonly PublisherCapability[] = [],
): Promise<string[] | null> {
  let result: string[] | null = null;
  for (const kind of kinds) {
    let values: string[] | null = null;
    const connectionKind = CONNECTION_KINDS[kind];
    if (connectionKind) {
      const page = await services.connections.list(principal, { limit: 500, offset: 0 }, connectionKind);
      const types = services.connectorTypes;
      const able = (c: Connection) =>
        kind !== 'map-server' ||
        !types ||
        missingCapabilities(needs, declaredCapabilities(types, c.type, c.config)).length === 0;
      values = page.items.filter(able).flatMap(namesOf);
    } else if (kind === 'workspace') {
      const page = await services.workspaces.list(principal, { limit: 500, offset: 0 });
      values = page.items.filter((w) => w.myLevel !== 'read').map((w) => w.name);
    } else if (kind === 'table' && database) {
      values = await tablesOf(principal, services.connections, database);
    } else if (kind === 'boolean') {
      values = ['true', 'false'];
    }
    if (values === null) continue;
    result = result === null ? values : result.filter((v) => values.includes(v));
  }
  return result === null ? null : [...new Set(result)].sort();
}
