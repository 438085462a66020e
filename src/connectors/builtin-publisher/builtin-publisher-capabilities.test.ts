// The capabilities the type declares from the settings alone (checked when a configuration is
// validated) must be those of the connector it opens with the same settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { EmbeddedDatabase } from '../connector.ts';
import { isPublisher } from '../publisher.ts';
import { builtinPublisherConnectorType as type } from './builtin-publisher.connector.ts';

const unused = () => Promise.reject(new Error('the store is not used to read the capabilities'));
const store: EmbeddedDatabase = { query: unused, withSession: unused };

test("builtin-publisher: declared capabilities equal the connector's (security and cache, no raster)", () => {
  const config = type.config.parse({});
  const connector = type.create(config, { dataDir: '/nonexistent', embeddedDatabase: store });
  assert.ok(isPublisher(connector));
  const declared = type.publisherCapabilities?.(config);
  assert.deepEqual(declared, connector.publisherCapabilities);
  assert.deepEqual(declared, { security: true, cache: true, appSchema: false, raster: false });
});
