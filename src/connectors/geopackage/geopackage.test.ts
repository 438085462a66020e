import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { geopackageConnectorType as type } from './geopackage.connector.ts';

connectorContract('geopackage', () =>
  Promise.resolve({
    type,
    goodConfig: { fileService: 'local', path: 'exports/roads.gpkg' },
    badConfigs: [
      { config: {}, field: 'path' },
      { config: { path: 'roads.shp' }, field: 'path' },
      { config: { path: '../outside.gpkg' }, field: 'path' },
      { config: { path: '/abs/roads.gpkg' }, field: 'path' },
      { config: { fileService: '1bad', path: 'a.gpkg' }, field: 'fileService' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);
