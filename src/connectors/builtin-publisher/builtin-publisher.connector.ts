import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type BuiltinPublisherConfig, builtinPublisherConfigSchema } from './builtin-publisher.config.ts';

/**
 * geosync's own map server. Built in only: geosync creates its one connection. Model only:
 * settings can be stored, not used yet.
 */
export const builtinPublisherConnectorType: ConnectorType<BuiltinPublisherConfig> = {
  type: 'builtin-publisher',
  kind: 'map_server',
  title: 'Built-in publisher',
  description: "geosync's own map server.",
  config: builtinPublisherConfigSchema,
  secretFields: [],
  testable: false,
  userCreatable: false,
  create: () => modelOnlyConnector('the built-in publisher'),
};
