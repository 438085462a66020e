/**
 * The connections tasks open by name (src/domain/connections/task-connections.ts), on a real
 * store, a real PostgreSQL database and a real S3 endpoint (s3rver): lookups by kind and name,
 * the errors, reopening after a settings change, closing, and the `alias-bucket` naming of one
 * bucket of a multi-bucket S3 connection.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import type { Connector, ConnectorType } from '../../src/connectors/connector.ts';
import type { FileService } from '../../src/connectors/file-service.ts';
import { createTaskConnections } from '../../src/domain/connections/task-connections.ts';
import { isGeosyncError } from '../../src/errors/errors.ts';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import { loadOrCreateSecretKey } from '../../src/lib/secret-key-file.ts';
import { createTestGeosync, type TestGeosync } from '../helpers/geosync.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { S3RVER_KEYS, startS3Server, type TestS3Server } from '../helpers/s3-server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

/** Every connector the task connections created, with how often it was closed. */
interface Opened {
  type: string;
  connector: Connector;
  closes: number;
}

let geosync: TestGeosync;
let warehouse: TestDatabase;
let s3: TestS3Server;
let connections: ReturnType<typeof createTaskConnections>;
const opened: Opened[] = [];
const dirA = makeTempDir('gs-tc-a-');
const dirB = makeTempDir('gs-tc-b-');
let dropBoxId: string;

/** The real connector registry, recording what it creates and counting close() calls. */
function recordingTypes(types: TestGeosync['ctx']['connectorTypes']) {
  return {
    get(type: string): ConnectorType {
      const real = types.get(type);
      return {
        ...real,
        create(config, deps) {
          const connector = real.create(config, deps);
          const record: Opened = { type, connector, closes: 0 };
          const close = connector.close.bind(connector);
          connector.close = async () => {
            record.closes += 1;
            await close();
          };
          opened.push(record);
          return connector;
        },
      };
    },
  };
}

const openedFor = (connector: unknown): Opened => {
  const record = opened.find((o) => o.connector === connector);
  assert.ok(record, 'the connector was created by the task connections');
  return record;
};

const fails = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(isGeosyncError(error), `expected a geosync error, got ${String(error)}`);
  assert.equal(error.code, code);
  if (message) assert.match(error.message, message);
  return true;
};

before(async () => {
  geosync = await createTestGeosync();
  warehouse = await createTestDatabase('tc');
  s3 = await startS3Server(['a-b', 'ccc', 'solo-bucket']);
  const { ctx, dataDir } = geosync;
  const url = new URL(warehouse.url);
  const create = (name: string, type: string, config: Record<string, unknown>) =>
    ctx.connections.create({ name, type, description: '', config, roles: null });
  await create('warehouse', 'postgis', {
    host: url.hostname,
    port: Number(url.port),
    database: warehouse.name,
    user: decodeURIComponent(url.username),
    sslMode: 'disable',
  });
  await create('parcels-gpkg', 'geopackage', { fileService: 'local', path: 'parcels.gpkg' });
  dropBoxId = (await create('drop-box', 'local-files', { root: dirA })).id;
  const s3Config = { endpoint: s3.endpoint, forcePathStyle: true, ...S3RVER_KEYS };
  // Hyphens on both sides of the `alias-bucket` split.
  await create('media-store', 's3', { ...s3Config, buckets: ['a-b', 'ccc'] });
  await create('solo', 's3', { ...s3Config, buckets: ['solo-bucket'] });
  writeFileSync(path.join(dirA, 'a.txt'), 'in A');
  writeFileSync(path.join(dirB, 'b.txt'), 'in B');
  connections = createTaskConnections({
    db: ctx.db,
    types: recordingTypes(ctx.connectorTypes),
    box: createSecretBox(loadOrCreateSecretKey(dataDir, ctx.config.secrets.key).key),
    deps: { dataDir },
  });
});
after(async () => {
  await connections?.close();
  await s3?.stop();
  await warehouse?.drop();
  await geosync?.close();
});

describe('by name', () => {
  test('database() and postgres() open a PostGIS connection once and keep it open', async () => {
    const source = await connections.database('warehouse');
    const target = await connections.postgres('warehouse');
    assert.equal(target, source, 'one connector per connection, shared by every lookup');
    const { rows } = await target.withSession(
      (s) => s.query<{ db: string }>('SELECT current_database() AS db'),
      AbortSignal.timeout(10_000),
    );
    assert.deepEqual(rows, [{ db: warehouse.name }]);
    assert.equal(opened.filter((o) => o.type === 'postgis').length, 1);
  });

  test('database() opens a GeoPackage source; postgres() refuses it: wrong_connection_type', async () => {
    const source = await connections.database('parcels-gpkg');
    assert.equal(openedFor(source).type, 'geopackage');
    await assert.rejects(
      connections.postgres('parcels-gpkg'),
      fails('wrong_connection_type', /'parcels-gpkg' \(geopackage\) is not a PostgreSQL database/),
    );
  });

  test('fileService() opens a local folder', async () => {
    const service = await connections.fileService('drop-box');
    assert.equal(await text(await service.read('a.txt')), 'in A');
    assert.equal(await connections.fileService('drop-box'), service);
  });

  test('unknown names, and names of another kind, are connection_not_found', async () => {
    await assert.rejects(connections.database('nowhere'), fails('connection_not_found', /no database connection/));
    await assert.rejects(connections.postgres('nowhere'), fails('connection_not_found'));
    await assert.rejects(
      connections.fileService('nowhere'),
      fails('connection_not_found', /no file service connection named 'nowhere'/),
    );
    // The kind is part of the name: a file service is no database, and the other way round.
    await assert.rejects(connections.database('drop-box'), fails('connection_not_found'));
    await assert.rejects(connections.postgres('media-store'), fails('connection_not_found'));
    await assert.rejects(connections.fileService('warehouse'), fails('connection_not_found'));
    await assert.rejects(connections.mapServer('nowhere'), fails('connection_not_found', /no map server connection/));
    await assert.rejects(connections.mapServer('warehouse'), fails('connection_not_found'));
  });
});

describe('alias-bucket naming of S3 buckets', () => {
  let ab: FileService;
  let ccc: FileService;

  test('`media-store-a-b` and `media-store-ccc` are the buckets of one connection `media-store`', async () => {
    ab = await connections.fileService('media-store-a-b');
    ccc = await connections.fileService('media-store-ccc');
    assert.notEqual(ab, ccc);
    const groups = opened.filter((o) => o.type === 's3');
    assert.equal(groups.length, 1, 'both buckets come from the one media-store connector');
    await ab.write('plans/zoning.txt', Readable.from(['zoning plan']));
    assert.equal(await text(await ab.read('plans/zoning.txt')), 'zoning plan');
    assert.equal(await ccc.exists('plans/zoning.txt'), false, 'the other bucket does not see it');
    // And on the S3 server itself, the object is in bucket a-b.
    const stored = await readdir(path.join(s3.directory, 'a-b'), { recursive: true });
    assert.ok(
      stored.some((f) => f.startsWith(path.join('plans', 'zoning.txt'))),
      stored.join(', '),
    );
    assert.equal(await connections.fileService('media-store-a-b'), ab, 'the bucket service is kept');
  });

  test('a multi-bucket connection by its own name is ambiguous_file_service, naming the choices', async () => {
    await assert.rejects(
      connections.fileService('media-store'),
      fails('ambiguous_file_service', /name one: media-store-a-b, media-store-ccc$/),
    );
  });

  test('a single-bucket connection answers to its own name (and to alias-bucket)', async () => {
    const solo = await connections.fileService('solo');
    await solo.write('hello.txt', Readable.from(['hello']));
    const same = await connections.fileService('solo-solo-bucket');
    assert.equal(await text(await same.read('hello.txt')), 'hello');
    assert.equal(await ab.exists('hello.txt'), false);
  });

  test('a bucket the connection does not hold, or no bucket at all, is connection_not_found', async () => {
    await assert.rejects(connections.fileService('media-store-zzz'), fails('connection_not_found'));
    await assert.rejects(connections.fileService('media-store-'), fails('connection_not_found'));
    await assert.rejects(connections.fileService('media-a-b'), fails('connection_not_found'));
  });
});

describe('lifetime', () => {
  test('a connection whose settings change is reopened; the old connector is closed', async () => {
    const before = await connections.fileService('drop-box');
    const old = openedFor(before);
    assert.equal(old.closes, 0);
    await geosync.ctx.connections.update(CLI_PRINCIPAL, dropBoxId, { config: { root: dirB } });
    const after = await connections.fileService('drop-box');
    assert.notEqual(after, before, 'a new connector with the new settings');
    assert.equal(old.closes, 1, 'the old connector was closed');
    assert.equal(await after.exists('b.txt'), true);
    assert.equal(await after.exists('a.txt'), false);
    assert.equal(openedFor(after).closes, 0);
    assert.equal(await connections.fileService('drop-box'), after, 'unchanged since: kept');
    // The old folder is untouched.
    assert.equal(readFileSync(path.join(dirA, 'a.txt'), 'utf8'), 'in A');
  });

  test('close() closes every open connector; the next lookup opens afresh', async () => {
    const live = opened.filter((o) => o.closes === 0);
    assert.deepEqual(live.map((o) => o.type).sort(), ['geopackage', 'local-files', 'postgis', 's3', 's3']);
    await connections.close();
    assert.deepEqual(
      live.map((o) => o.closes),
      live.map(() => 1),
    );
    const reopened = await connections.postgres('warehouse');
    assert.ok(!live.some((o) => (o.connector as unknown) === reopened), 'a new connector after close()');
    const { rows } = await reopened.withSession((s) => s.query('SELECT 1 AS one'), AbortSignal.timeout(10_000));
    assert.deepEqual(rows, [{ one: 1 }]);
  });
});
