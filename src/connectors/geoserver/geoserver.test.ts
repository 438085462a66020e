import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { geoserverConnectorType as type } from './geoserver.connector.ts';

const basic = { url: 'https://maps.example.org/geoserver', username: 'admin', password: 'geoserver-pw' };
const keycloak = {
  ...basic,
  authentication: 'keycloak',
  realm: 'gis',
  authUrl: 'https://sso.example.org/auth',
  clientId: 'geosync',
  clientSecret: 'kc-client-secret',
};

connectorContract('geoserver (basic)', () =>
  Promise.resolve({
    type,
    goodConfig: basic,
    badConfigs: [
      { config: { ...basic, url: 'maps.example.org' }, field: 'url' },
      { config: { ...basic, url: 'file:///etc' }, field: 'url' },
      { config: { ...basic, password: undefined }, field: 'password' },
      { config: { ...basic, authentication: 'digest' }, field: 'authentication' },
      { config: { ...basic, realm: 'gis' }, field: 'realm' },
      { config: { ...basic, clientSecret: 'x' }, field: 'clientSecret' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);

connectorContract('geoserver (keycloak)', () =>
  Promise.resolve({
    type,
    goodConfig: keycloak,
    badConfigs: [
      { config: { ...keycloak, realm: undefined }, field: 'realm' },
      { config: { ...keycloak, authUrl: undefined }, field: 'authUrl' },
      { config: { ...keycloak, authUrl: 'sso' }, field: 'authUrl' },
      { config: { ...keycloak, clientId: undefined }, field: 'clientId' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);
