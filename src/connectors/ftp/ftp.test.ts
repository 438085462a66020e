import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { ftpConnectorType as type } from './ftp.connector.ts';

const good = { host: 'ftp.example.org', user: 'loader', password: 'pw-123456', root: '/incoming' };

connectorContract('ftp', () =>
  Promise.resolve({
    type,
    goodConfig: good,
    badConfigs: [
      { config: { ...good, host: '' }, field: 'host' },
      { config: { ...good, port: 65536 }, field: 'port' },
      { config: { ...good, secure: 'tls' }, field: 'secure' },
      { config: { ...good, root: '' }, field: 'root' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);
