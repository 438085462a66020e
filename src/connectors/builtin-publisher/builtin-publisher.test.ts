import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { UnexpectedError } from '../../errors/errors.ts';
import type { EmbeddedDatabase } from '../connector.ts';
import { isPublisher } from '../publisher.ts';
import { builtinPublisherConnectorType as type } from './builtin-publisher.connector.ts';

// The publisher against a real store (PGlite with PostGIS, over HTTP): test/api/ogc.integration.test.ts;
// the shared publisher contract: test/contracts-run/builtin-publisher.contract.integration.test.ts.

const noSession = () => Promise.reject(new Error('withSession is not used by the publisher'));

/** A store that answers the layer count the way geosync's store does. */
const answering: EmbeddedDatabase = {
  query: (text) =>
    Promise.resolve({ rows: /count\(\*\)/.test(text) && /published_layers/.test(text) ? [{ n: 3 }] : [] }),
  withSession: noSession,
};

connectorContract('builtin-publisher', () =>
  Promise.resolve({
    type,
    goodConfig: {},
    badConfigs: [],
    deps: { dataDir: '/nonexistent', embeddedDatabase: answering },
  }),
);

describe('builtin-publisher', () => {
  test('is a publisher with security and cache, without app-schema or raster', () => {
    const connector = type.create({}, { dataDir: '/x', embeddedDatabase: answering });
    assert.ok(isPublisher(connector));
    assert.deepEqual(connector.publisherCapabilities, { security: true, cache: true, appSchema: false, raster: false });
  });

  test('test() counts the published layers', async () => {
    const result = await type
      .create({}, { dataDir: '/x', embeddedDatabase: answering })
      .test(AbortSignal.timeout(5000));
    assert.deepEqual([result.ok, result.message], [true, 'Built-in publisher: 3 layer(s) published']);
  });

  test('a failing store is ok: false with its message', async () => {
    const failing: EmbeddedDatabase = {
      query: () => Promise.reject(new Error('store is down')),
      withSession: noSession,
    };
    const result = await type.create({}, { dataDir: '/x', embeddedDatabase: failing }).test(AbortSignal.timeout(5000));
    assert.deepEqual([result.ok, result.message], [false, 'The embedded store did not answer: store is down']);
  });

  test('a store that never answers is abandoned when the signal fires', async () => {
    const hung: EmbeddedDatabase = { query: () => new Promise(() => undefined), withSession: noSession };
    // AbortSignal.timeout's timer does not hold the process open; this one does, until the answer.
    const keepAlive = setTimeout(() => undefined, 5000);
    try {
      const result = await type.create({}, { dataDir: '/x', embeddedDatabase: hung }).test(AbortSignal.timeout(100));
      assert.deepEqual([result.ok, result.message], [false, 'The connection test timed out']);
    } finally {
      clearTimeout(keepAlive);
    }
  });

  test('without the embedded database it is a wiring bug', () => {
    assert.throws(
      () => type.create({}, { dataDir: '/x' }),
      (e) => e instanceof UnexpectedError && e.code === 'embedded_database_missing',
    );
  });
});
