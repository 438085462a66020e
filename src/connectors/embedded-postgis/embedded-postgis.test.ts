import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { UnexpectedError } from '../../errors/errors.ts';
import type { EmbeddedDatabase } from '../connector.ts';
import { embeddedPostgisConnectorType as type } from './embedded-postgis.connector.ts';

/** PGlite opened in this thread, shaped as what geosync hands connectors (the store runs it in a worker). */
function asEmbedded(db: PGlite): EmbeddedDatabase {
  return {
    query: async (sql, params = []) => ({ rows: (await db.query(sql, [...params])).rows as Record<string, unknown>[] }),
    withSession: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async <R>(sql: string, params: readonly unknown[] = []) => {
            const result = await tx.query<R>(sql, [...params]);
            return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
          },
        }),
      ),
  };
}

const notUsed = () => Promise.reject(new Error('withSession is not used by this test'));

// The only test file loading PostGIS into PGlite: it takes about 10 s.
let withPostgis: PGlite;
before(async () => {
  withPostgis = await PGlite.create({ extensions: { postgis } });
  await withPostgis.exec('CREATE EXTENSION postgis');
});
after(() => withPostgis.close());

connectorContract('embedded-postgis', () =>
  Promise.resolve({
    type,
    goodConfig: {},
    badConfigs: [],
    deps: { dataDir: '/nonexistent', embeddedDatabase: asEmbedded(withPostgis) },
  }),
);

describe('embedded-postgis', () => {
  let plain: PGlite;
  before(async () => {
    plain = await PGlite.create();
  });
  after(() => plain.close());

  test('reports the PostgreSQL and PostGIS versions', async () => {
    const result = await type
      .create({}, { dataDir: '/x', embeddedDatabase: asEmbedded(withPostgis) })
      .test(AbortSignal.timeout(5000));
    assert.equal(result.ok, true, result.message);
    assert.match(String(result.details?.postgisVersion), /^3\.\d+\.\d+$/);
    assert.match(result.message, /^Embedded store: PostgreSQL \d+\.\d+ with PostGIS 3\.\d+\.\d+$/);
  });

  test('without PostGIS loaded, says which setting enables it', async () => {
    const result = await type
      .create({}, { dataDir: '/x', embeddedDatabase: asEmbedded(plain) })
      .test(AbortSignal.timeout(5000));
    assert.deepEqual(
      [result.ok, result.message],
      [false, 'PostGIS is not enabled in the embedded store (setting store.postgis)'],
    );
  });

  test('a query that never answers is abandoned when the signal fires', async () => {
    const hung: EmbeddedDatabase = { query: () => new Promise(() => undefined), withSession: notUsed };
    const result = await type.create({}, { dataDir: '/x', embeddedDatabase: hung }).test(AbortSignal.timeout(100));
    assert.deepEqual([result.ok, result.message], [false, 'The connection test timed out']);
  });

  test('a failing store is an answer, not an exception', async () => {
    const broken: EmbeddedDatabase = { query: () => Promise.reject(new Error('store closed')), withSession: notUsed };
    const result = await type.create({}, { dataDir: '/x', embeddedDatabase: broken }).test(AbortSignal.timeout(1000));
    assert.deepEqual([result.ok, result.message], [false, 'The embedded store did not answer: store closed']);
  });

  test('without the embedded database, create() fails as the wiring bug it is', () => {
    assert.throws(
      () => type.create({}, { dataDir: '/x' }),
      (e) => e instanceof UnexpectedError && e.code === 'embedded_database_missing',
    );
  });

  test('is built in only', () => {
    assert.equal(type.userCreatable, false);
  });
});
