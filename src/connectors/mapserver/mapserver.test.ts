import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { mapserverConnectorType as type } from './mapserver.connector.ts';

const good = { mapfile: '/srv/mapserver/geosync.map', url: 'https://maps.example.org/cgi-bin/mapserv' };

connectorContract('mapserver', () =>
  Promise.resolve({
    type,
    goodConfig: good,
    badConfigs: [
      { config: { ...good, mapfile: 'relative/geosync.map' }, field: 'mapfile' },
      { config: { ...good, mapfile: '/srv/geosync.txt' }, field: 'mapfile' },
      { config: { ...good, url: undefined }, field: 'url' },
      { config: { ...good, url: 'not a url' }, field: 'url' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);
