import type { Connector } from './connector.ts';
import { notSupportedYet } from './test-results.ts';

/**
 * The connector of a model-only type (`testable: false`): its settings can be stored now, and
 * test() says which feature will make it usable. Holds nothing, so close() has nothing to do.
 */
export function modelOnlyConnector(feature: string): Connector {
  return {
    test: () => Promise.resolve(notSupportedYet(feature)),
    close: () => Promise.resolve(),
  };
}
