import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import type { TestResult } from '../connector.ts';
import { createPool, postgisConnectorType as type } from './postgis.connector.ts';
import { postgisConfigSchema } from './postgis.config.ts';

/** Settings reaching a test database, as a user would type them. */
function settingsOf(db: TestDatabase, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const url = new URL(db.url);
  return { host: url.hostname, port: Number(url.port), database: db.name, user: url.username, ...extra };
}

async function run(config: Record<string, unknown>, signal = AbortSignal.timeout(15_000)): Promise<TestResult> {
  const connector = type.create(postgisConfigSchema.parse(config), { dataDir: '/nonexistent' });
  try {
    return await connector.test(signal);
  } finally {
    await connector.close();
  }
}

/** A TCP server that accepts connections and never answers, like a firewall swallowing packets. */
async function silentServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}

const secret = 'sEcReT-pass-42';

connectorContract('postgis', async () => {
  const db = await createTestDatabase('postgis');
  return {
    type,
    goodConfig: settingsOf(db, { password: secret }),
    badConfigs: [
      { config: { ...settingsOf(db), host: '' }, field: 'host' },
      { config: { ...settingsOf(db), port: 70000 }, field: 'port' },
      { config: { ...settingsOf(db), port: '5432' }, field: 'port' },
      { config: { host: 'x', user: 'u' }, field: 'database' },
      { config: { host: 'x', database: 'd' }, field: 'user' },
      { config: { ...settingsOf(db), sslMode: 'allow' }, field: 'sslMode' },
      { config: { ...settingsOf(db), sslRootCert: 'not a pem', sslMode: 'verify-full' }, field: 'sslRootCert' },
      { config: { ...settingsOf(db), sslRootCert: '-----BEGIN CERTIFICATE-----x' }, field: 'sslRootCert' },
      { config: { ...settingsOf(db), connectTimeoutSeconds: 0 }, field: 'connectTimeoutSeconds' },
    ],
    unreachableConfig: { host: '127.0.0.1', port: 1, database: 'x', user: 'geosync', password: secret },
    deps: { dataDir: '/nonexistent' },
    cleanup: () => db.drop(),
  };
});

describe('postgis', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('postgis');
  });
  after(() => db.drop());

  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  test('reports versions, schema and rights', async () => {
    const result = await run(settingsOf(db));
    assert.equal(result.ok, true, result.message);
    assert.match(String(result.details?.serverVersion), /^15\./);
    assert.match(String(result.details?.postgisVersion), /^3\.\d+\.\d+$/);
    assert.deepEqual([result.details?.schema, result.details?.canCreate], ['public', true]);
    assert.match(
      result.message,
      /^PostgreSQL 15\.\d+ with PostGIS 3\.\d+\.\d+; in schema public, postgres can create tables$/,
    );
  });

  test('prefer falls back to plain on a server without TLS; require does not', async () => {
    assert.equal((await run(settingsOf(db, { sslMode: 'prefer' }))).ok, true);
    const required = await run(settingsOf(db, { sslMode: 'require' }));
    assert.equal(required.ok, false);
    assert.match(required.message, /does not accept TLS connections, which sslMode require requires/);
  });

  test('a missing schema, a schema without rights, a read-only schema', async () => {
    assert.match((await run(settingsOf(db, { schema: 'nope' }))).message, /^Schema nope does not exist in database /);
    await admin(`CREATE ROLE reader LOGIN; CREATE SCHEMA closed; CREATE SCHEMA readonly;
                 GRANT USAGE ON SCHEMA readonly TO reader`);
    const closed = await run(settingsOf(db, { user: 'reader', schema: 'closed' }));
    assert.deepEqual(
      [closed.ok, closed.message],
      [false, 'User reader may not use schema closed (no USAGE privilege)'],
    );
    const readonly = await run(settingsOf(db, { user: 'reader', schema: 'readonly' }));
    assert.equal(readonly.ok, true);
    assert.equal(readonly.details?.canCreate, false);
    assert.match(readonly.message, /reader is read-only \(no CREATE privilege\)$/);
  });

  test('a database without PostGIS', async () => {
    await admin('DROP EXTENSION postgis');
    try {
      const result = await run(settingsOf(db));
      assert.deepEqual(
        [result.ok, result.message],
        [false, `PostGIS is not installed in database ${db.name} (CREATE EXTENSION postgis)`],
      );
    } finally {
      await admin('CREATE EXTENSION postgis');
    }
  });

  test('an unknown database and an unreachable port', async () => {
    const unknown = await run(settingsOf(db, { database: 'no_such_db' }));
    assert.match(unknown.message, /^database no_such_db does not exist on 127\.0\.0\.1:\d+$/);
    const refused = await run({ host: '127.0.0.1', port: 1, database: 'x', user: 'y' });
    assert.deepEqual([refused.ok, refused.message], [false, 'cannot reach 127.0.0.1:1 (ECONNREFUSED)']);
  });

  test('a server that never answers: connect time-out, and abort mid-connect', async () => {
    const silent = await silentServer();
    try {
      const settings = { host: '127.0.0.1', port: silent.port, database: 'x', user: 'y', connectTimeoutSeconds: 1 };
      const timedOut = await run(settings);
      assert.deepEqual(
        [timedOut.ok, timedOut.message],
        [false, `cannot reach 127.0.0.1:${silent.port} (no answer within 1 s)`],
      );
      const started = performance.now();
      const aborted = await run({ ...settings, connectTimeoutSeconds: 30 }, AbortSignal.timeout(200));
      assert.deepEqual([aborted.ok, aborted.message], [false, 'The connection test timed out']);
      assert.ok(performance.now() - started < 2000);
    } finally {
      silent.close();
    }
  });

  test('createPool gives a working pool', async () => {
    const pool = await createPool(postgisConfigSchema.parse(settingsOf(db)), { max: 2 });
    try {
      const { rows } = await pool.query<{ p: string }>('SELECT ST_AsText(ST_Point(1, 2)) AS p');
      assert.equal(rows[0]?.p, 'POINT(1 2)');
    } finally {
      await pool.end();
    }
  });
});
