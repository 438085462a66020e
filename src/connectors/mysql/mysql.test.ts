import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { mysqlConnectorType as type } from './mysql.connector.ts';

const good = { host: 'db.example.org', database: 'gis', user: 'reader', password: 'pw-123456' };

connectorContract('mysql', () =>
  Promise.resolve({
    type,
    goodConfig: good,
    badConfigs: [
      { config: { ...good, host: '' }, field: 'host' },
      { config: { ...good, port: 0 }, field: 'port' },
      { config: { host: 'h', user: 'u' }, field: 'database' },
      { config: { ...good, user: undefined }, field: 'user' },
      { config: { ...good, ssl: 'true' }, field: 'ssl' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);
