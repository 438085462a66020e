import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type MapserverConfig, mapserverConfigSchema } from './mapserver.config.ts';

/** MapServer as a map server. Model only: settings can be stored, not used yet. */
export const mapserverConnectorType: ConnectorType<MapserverConfig> = {
  type: 'mapserver',
  kind: 'map_server',
  title: 'MapServer',
  description: 'A MapServer publishing layers from a mapfile that geosync maintains.',
  config: mapserverConfigSchema,
  secretFields: [],
  testable: false,
  userCreatable: true,
  create: () => modelOnlyConnector('publication to MapServer'),
};
