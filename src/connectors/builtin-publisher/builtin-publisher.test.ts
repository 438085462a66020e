import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { builtinPublisherConnectorType as type } from './builtin-publisher.connector.ts';

connectorContract('builtin-publisher', () =>
  Promise.resolve({ type, goodConfig: {}, badConfigs: [], deps: { dataDir: '/nonexistent' } }),
);
