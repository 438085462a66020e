import { UnexpectedError, UserError } from '../errors/errors.ts';
import type { ConnectorType } from './connector.ts';

/** Looks connector types up by their `type` key. Built once at start-up from an explicit list. */
export interface ConnectorRegistry {
  /** Unknown type: UserError `unknown_connection_type` (400) listing the known ones. */
  get(type: string): ConnectorType;
  /** Every type, in registration order. */
  list(): ConnectorType[];
  /** The types a user may add connections of (the built-in-only ones left out). */
  creatable(): ConnectorType[];
}

/** Builds the registry; a repeated `type` is a wiring bug and fails at start-up. */
export function createConnectorRegistry(types: readonly ConnectorType[]): ConnectorRegistry {
  const byType = new Map<string, ConnectorType>();
  for (const type of types) {
    if (byType.has(type.type)) {
      throw new UnexpectedError('duplicate_connector_type', `Connector type '${type.type}' is registered twice`);
    }
    byType.set(type.type, type);
  }
  return {
    get(type) {
      const found = byType.get(type);
      if (!found) {
        const known = [...byType.keys()].join(', ');
        throw new UserError('unknown_connection_type', `Unknown connection type '${type}'; known types: ${known}`, {
          details: [{ field: 'type', message: `must be one of: ${known}` }],
        });
      }
      return found;
    },
    list: () => [...byType.values()],
    creatable: () => [...byType.values()].filter((t) => t.userCreatable),
  };
}
