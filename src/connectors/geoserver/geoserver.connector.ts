import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type GeoserverConfig, geoserverConfigSchema } from './geoserver.config.ts';

/** An external GeoServer as a map server. Model only: settings can be stored, not used yet. */
export const geoserverConnectorType: ConnectorType<GeoserverConfig> = {
  type: 'geoserver',
  kind: 'map_server',
  title: 'GeoServer',
  description: 'An external GeoServer that layers are published to, through its REST API.',
  config: geoserverConfigSchema,
  secretFields: ['password', 'clientSecret'],
  testable: false,
  userCreatable: true,
  create: () => modelOnlyConnector('publication to GeoServer'),
};
