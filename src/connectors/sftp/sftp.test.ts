import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { sftpConnectorType as type } from './sftp.connector.ts';

const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const good = {
  host: 'sftp.example.org',
  user: 'loader',
  privateKey: key,
  passphrase: 'open-sesame-99',
  root: '/data/incoming',
  hostKeySha256: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8',
};

connectorContract('sftp', () =>
  Promise.resolve({
    type,
    goodConfig: good,
    badConfigs: [
      { config: { ...good, user: '' }, field: 'user' },
      { config: { ...good, port: 'ssh' }, field: 'port' },
      { config: { ...good, privateKey: 'ssh-rsa AAAA' }, field: 'privateKey' },
      { config: { host: 'h', user: 'u' }, field: 'password' },
      { config: { host: 'h', user: 'u', password: 'p', passphrase: 'x' }, field: 'passphrase' },
      { config: { ...good, hostKeySha256: 'aa:bb:cc' }, field: 'hostKeySha256' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);
