import type { ConnectionKind } from '../../contracts/connections.dto.ts';
import type { ParameterKind } from '../../tasks/parameter.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import type { Principal } from '../security/principal.ts';
import type { WorkspacesService } from '../workspaces/workspaces.service.ts';

/** Kinds whose values are names of connections of one kind. */
const CONNECTION_KINDS: Partial<Record<ParameterKind, ConnectionKind>> = {
  database: 'database',
  'file-service': 'file_service',
  'map-server': 'map_server',
};

/**
 * The values an attribute may take, for the editor's drop-down: the intersection over the kinds
 * of the parameters reading it. `null` = free text (no list is known for some kind).
 * Tables, files and layers come with the connector capabilities of their issues.
 */
export async function allowedValues(
  kinds: readonly ParameterKind[],
  principal: Principal,
  services: { connections: ConnectionsService; workspaces: WorkspacesService },
): Promise<string[] | null> {
  let result: string[] | null = null;
  for (const kind of kinds) {
    let values: string[] | null = null;
    const connectionKind = CONNECTION_KINDS[kind];
    if (connectionKind) {
      const page = await services.connections.list(principal, { limit: 500, offset: 0 }, connectionKind);
      values = page.items.map((c) => c.name);
    } else if (kind === 'workspace') {
      const page = await services.workspaces.list(principal, { limit: 500, offset: 0 });
      values = page.items.filter((w) => w.myLevel !== 'read').map((w) => w.name);
    } else if (kind === 'boolean') {
      values = ['true', 'false'];
    }
    if (values === null) continue;
    result = result === null ? values : result.filter((v) => values.includes(v));
  }
  return result === null ? null : [...new Set(result)].sort();
}
