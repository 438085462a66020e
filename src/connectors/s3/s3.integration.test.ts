import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { connectorContract } from '../../../test/contracts/connector.contract.ts';
import { fileServiceContract } from '../../../test/contracts/file-service.contract.ts';
import { S3RVER_KEYS, startS3Server, type TestS3Server } from '../../../test/helpers/s3-server.ts';
import { OperationalError, UserError } from '../../errors/errors.ts';
import { isFileServiceGroup } from '../file-service.ts';
import { s3ConnectorType as type } from './s3.connector.ts';

const BUCKETS = ['contract', 'rasters', 'vectors.archive', 'paging'];
let server: TestS3Server;

before(async () => {
  server = await startS3Server(BUCKETS);
});
after(() => server.stop());

const settings = (extra: Record<string, unknown> = {}) => ({
  endpoint: server.endpoint,
  region: 'us-east-1',
  buckets: ['rasters', 'vectors.archive'],
  forcePathStyle: true,
  ...S3RVER_KEYS,
  ...extra,
});

/** Opens a connection and returns it as the group it must be. */
function connect(extra: Record<string, unknown> = {}) {
  const connector = type.create(type.config.parse(settings(extra)), { dataDir: '/nonexistent' });
  assert.ok(isFileServiceGroup(connector));
  return connector;
}

connectorContract('s3', () =>
  Promise.resolve({
    type,
    goodConfig: settings(),
    badConfigs: [{ config: settings({ buckets: [] }), field: 'buckets' }],
    // Port 9 (discard) on loopback: nothing listens there.
    unreachableConfig: settings({ endpoint: 'http://127.0.0.1:9' }),
    deps: { dataDir: '/nonexistent' },
  }),
);

fileServiceContract('s3', () => {
  const connector = connect({ buckets: ['contract'] });
  return Promise.resolve({ service: connector.member('contract'), cleanup: () => connector.close() });
});

describe('s3', () => {
  const text = async (readable: Promise<Readable>) => (await buffer(await readable)).toString();

  // s3rver checks the key id only (not signatures), so the wrong credential here is the id.
  test('wrong keys: test() says access is refused, without the secret key', async () => {
    const connector = connect({ accessKeyId: 'NOT-A-KEY', secretAccessKey: 'wrong-secret-4711' });
    const result = await connector.test(AbortSignal.timeout(20_000));
    await connector.close();
    assert.equal(result.ok, false);
    assert.match(result.message, /bucket 'rasters' access refused/);
    assert.ok(!JSON.stringify(result).includes('wrong-secret-4711'));
  });

  test('a bucket missing on the server: test() names it', async () => {
    const connector = connect({ buckets: ['rasters', 'not-there'] });
    const result = await connector.test(AbortSignal.timeout(20_000));
    await connector.close();
    assert.deepEqual(
      [result.ok, result.message],
      [false, `${new URL(server.endpoint).host}: bucket 'not-there' does not exist`],
    );
    await assert.rejects(
      connector.member('not-there').list(),
      (e) => e instanceof UserError && e.code === 'bucket_not_found',
    );
  });

  test('unreachable: test() says so and file operations fail as operational errors', async () => {
    const connector = connect({ endpoint: 'http://127.0.0.1:9' });
    const result = await connector.test(AbortSignal.timeout(20_000));
    assert.deepEqual([result.ok, result.message], [false, 'Cannot reach the S3 service at 127.0.0.1:9 (ECONNREFUSED)']);
    await assert.rejects(connector.member('rasters').stat('x'), (e) => e instanceof OperationalError);
    await connector.close();
  });

  test('each member (alias-bucket) is its own bucket; an unknown one is refused', async () => {
    const connector = connect();
    assert.deepEqual(connector.members, ['rasters', 'vectors.archive']);
    await connector.member('rasters').write('same.txt', Readable.from(['raster']));
    await connector.member('vectors.archive').write('same.txt', Readable.from(['vector']));
    assert.equal(await text(connector.member('rasters').read('same.txt')), 'raster');
    assert.equal(await text(connector.member('vectors.archive').read('same.txt')), 'vector');
    assert.throws(
      () => connector.member('contract'),
      (e) => e instanceof UserError && e.code === 'file_service_not_found',
    );
    await connector.close();
  });

  test('listing and removing more than one page of keys (s3rver pages with DES tokens)', async () => {
    const client = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { ...S3RVER_KEYS }, // a copy: the SDK writes into the object it is given
    });
    const keys = Array.from({ length: 1005 }, (_, i) => `many/f${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      const batch = keys.slice(i, i + 50).map((Key) => new PutObjectCommand({ Bucket: 'paging', Key, Body: 'x' }));
      await Promise.all(batch.map((command) => client.send(command)));
    }
    client.destroy();
    const connector = connect({ buckets: ['paging'] });
    const bucket = connector.member('paging');
    assert.deepEqual(
      (await bucket.list('many')).map((e) => e.path),
      keys,
    );
    await bucket.remove('many');
    assert.equal(await bucket.exists('many'), false);
    await connector.close();
  });

  test('folders: a stat, a read and a write on a folder name', async () => {
    const connector = connect();
    const bucket = connector.member('rasters');
    await bucket.write('dir/inner/f.txt', Readable.from(['x']));
    assert.deepEqual(await bucket.stat('dir/inner'), {
      path: 'dir/inner',
      size: 0,
      modified: new Date(0),
      isDirectory: true,
    });
    const isFolder = (e: unknown) => e instanceof UserError && e.code === 'is_a_directory';
    await assert.rejects(bucket.read('dir'), isFolder);
    await assert.rejects(bucket.write('dir', Readable.from(['x'])), isFolder);
    await assert.rejects(bucket.remove(''), (e) => e instanceof UserError && e.code === 'cannot_remove_root');
    await connector.close();
  });

  test('anonymous access sends no Authorization header', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const spy = http.createServer((request, response) => {
      seen.push(request.headers);
      response.end();
    });
    spy.listen(0, '127.0.0.1');
    await once(spy, 'listening');
    const { port } = spy.address() as { port: number };
    const connector = type.create(
      type.config.parse({
        endpoint: `http://127.0.0.1:${port}`,
        buckets: ['public'],
        forcePathStyle: true,
        anonymous: true,
      }),
      { dataDir: '/nonexistent' },
    );
    const result = await connector.test(AbortSignal.timeout(20_000));
    await connector.close();
    spy.close();
    assert.equal(result.ok, true, result.message);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.authorization, undefined);
  });

  test('a server dying mid-write: the write fails, no object and no spool file remain', async () => {
    const dying = await startS3Server(['crash']);
    const spools = async () => (await readdir(os.tmpdir())).filter((name) => name.startsWith('geosync-s3-'));
    const spoolsBefore = await spools();
    const connector = type.create(
      type.config.parse({ endpoint: dying.endpoint, buckets: ['crash'], forcePathStyle: true, ...S3RVER_KEYS }),
      { dataDir: '/nonexistent' },
    );
    assert.ok(isFileServiceGroup(connector));
    let sent = 0;
    const source = new Readable({
      read() {
        // Half the file, then the server dies, then the rest.
        if (sent === 8) dying.kill();
        this.push(sent++ < 16 ? Buffer.alloc(64 * 1024, sent) : null);
      },
    });
    await assert.rejects(connector.member('crash').write('half.bin', source), (e) => e instanceof OperationalError);
    await connector.close();
    assert.deepEqual(await spools(), spoolsBefore);

    const revived = await startS3Server(['crash'], dying.directory);
    const again = type.create(
      type.config.parse({ endpoint: revived.endpoint, buckets: ['crash'], forcePathStyle: true, ...S3RVER_KEYS }),
      { dataDir: '/nonexistent' },
    );
    assert.ok(isFileServiceGroup(again));
    assert.deepEqual(await again.member('crash').list(), []);
    await again.close();
    await revived.stop();
  });
});
