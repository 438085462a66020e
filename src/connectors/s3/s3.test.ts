import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { s3ConnectorType as type } from './s3.connector.ts';

const good = {
  endpoint: 'http://127.0.0.1:9000',
  region: 'eu-west-1',
  buckets: ['rasters', 'vectors.archive'],
  accessKeyId: 'AKIAEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  forcePathStyle: true,
};

connectorContract('s3', () =>
  Promise.resolve({
    type,
    goodConfig: good,
    badConfigs: [
      { config: { ...good, endpoint: 'ftp://x' }, field: 'endpoint' },
      { config: { ...good, buckets: [] }, field: 'buckets' },
      { config: { ...good, buckets: ['Upper_Case'] }, field: 'buckets.0' },
      { config: { ...good, buckets: ['a1b', 'a1b'] }, field: 'buckets' },
      { config: { ...good, secretAccessKey: undefined }, field: 'secretAccessKey' },
      { config: { buckets: ['abc'], secretAccessKey: 'x' }, field: 'accessKeyId' },
      { config: { ...good, anonymous: true }, field: 'anonymous' },
    ],
    deps: { dataDir: '/nonexistent' },
  }),
);
