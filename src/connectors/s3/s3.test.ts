// Unit tests only (no server): the connector contract and the file-service contract run against
// a real S3 server in s3.integration.test.ts.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';

import { UserError } from '../../errors/errors.ts';
import { isFileServiceGroup } from '../file-service.ts';
import { s3ConnectorType as type } from './s3.connector.ts';

const good = {
  endpoint: 'http://127.0.0.1:9',
  region: 'eu-west-1',
  buckets: ['rasters', 'vectors.archive'],
  accessKeyId: 'AKIAEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  forcePathStyle: true,
};

const s3BadConfigs = [
  { config: { ...good, endpoint: 'ftp://x' }, field: 'endpoint' },
  { config: { ...good, buckets: [] }, field: 'buckets' },
  { config: { ...good, buckets: ['Upper_Case'] }, field: 'buckets.0' },
  { config: { ...good, buckets: ['a1b', 'a1b'] }, field: 'buckets' },
  { config: { ...good, secretAccessKey: undefined }, field: 'secretAccessKey' },
  { config: { buckets: ['abc'], secretAccessKey: 'x' }, field: 'accessKeyId' },
  { config: { ...good, anonymous: true }, field: 'anonymous' },
];

const open = () => type.create(type.config.parse(good), { dataDir: '/nonexistent' });

test('s3 is usable and keeps the secret key sealed', () => {
  assert.equal(type.testable, true);
  assert.deepEqual(type.secretFields, ['secretAccessKey']);
});

test('bad s3 settings are refused, naming the field', () => {
  for (const { config, field } of s3BadConfigs) {
    const result = type.config.safeParse(config);
    assert.ok(!result.success, `accepted ${JSON.stringify(config)}`);
    assert.ok(
      result.error.issues.some((i) => i.path.join('.') === field),
      `no issue on ${field}`,
    );
  }
});

test('an s3 connection is a group of one file service per bucket', async () => {
  const connector = open();
  assert.ok(isFileServiceGroup(connector));
  assert.deepEqual(connector.members, ['rasters', 'vectors.archive']);
  assert.equal(connector.member('rasters'), connector.member('rasters'), 'one service per bucket');
  assert.notEqual(connector.member('rasters'), connector.member('vectors.archive'));
  assert.throws(
    () => connector.member('other'),
    (e) => e instanceof UserError && e.code === 'file_service_not_found' && e.status === 404,
  );
  await connector.close();
});

test('paths leaving the bucket root are refused before any request', async () => {
  const connector = open();
  assert.ok(isFileServiceGroup(connector));
  const bucket = connector.member('rasters');
  const outside = (e: unknown) => e instanceof UserError && e.code === 'path_outside_root';
  // The endpoint (port 9, discard) never answers: only a refusal made locally can pass.
  await assert.rejects(bucket.read('../x'), outside);
  await assert.rejects(bucket.write('/etc/x', Readable.from(['x'])), outside);
  await assert.rejects(bucket.remove('a/../../x'), outside);
  await connector.close();
});

test('test() with an aborted signal answers at once', async () => {
  const connector = open();
  const result = await connector.test(AbortSignal.abort());
  assert.deepEqual([result.ok, result.message], [false, 'The connection test was cancelled']);
  await connector.close();
  await connector.close();
});
