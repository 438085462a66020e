import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { makeTempDir } from '../../../test/helpers/temp-dir.ts';
import { geopackageConnectorType as type } from './geopackage.connector.ts';

const fixture = path.join(import.meta.dirname, '../../../test/fixtures/geopackage/sample.gpkg');

connectorContract('geopackage', () => {
  // A data folder whose built-in `local` file service (<dataDir>/files) holds the fixture.
  const dataDir = makeTempDir('gs-gpkg-');
  mkdirSync(path.join(dataDir, 'files/exports'), { recursive: true });
  copyFileSync(fixture, path.join(dataDir, 'files/exports/sample.gpkg'));
  return Promise.resolve({
    type,
    goodConfig: { fileService: 'local', path: 'exports/sample.gpkg' },
    badConfigs: [
      { config: {}, field: 'path' },
      { config: { path: 'roads.shp' }, field: 'path' },
      { config: { path: '../outside.gpkg' }, field: 'path' },
      { config: { path: '/abs/roads.gpkg' }, field: 'path' },
      { config: { fileService: '1bad', path: 'a.gpkg' }, field: 'fileService' },
      { config: { path: 'a.gpkg', maxSizeMiB: 0 }, field: 'maxSizeMiB' },
      { config: { path: 'a.gpkg', maxSizeMiB: 4096 }, field: 'maxSizeMiB' },
    ],
    unreachableConfig: { path: 'exports/missing.gpkg' },
    deps: { dataDir },
  });
});
