import type { ConnectorType } from '../connector.ts';
import { modelOnlyConnector } from '../model-only.ts';
import { type GeopackageConfig, geopackageConfigSchema } from './geopackage.config.ts';

/** A GeoPackage file as a database. Model only: settings can be stored, not used yet. */
export const geopackageConnectorType: ConnectorType<GeopackageConfig> = {
  type: 'geopackage',
  kind: 'database',
  title: 'GeoPackage',
  description: 'A GeoPackage (.gpkg) file kept in a file service.',
  config: geopackageConfigSchema,
  secretFields: [],
  testable: false,
  userCreatable: true,
  create: () => modelOnlyConnector('GeoPackage support'),
};
