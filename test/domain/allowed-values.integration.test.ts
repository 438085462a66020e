/**
 * Drop-down values of `file-service` attributes (src/domain/configurations/allowed-values.ts):
 * a multi-bucket S3 connection is offered once per bucket, as `<connection>-<bucket>`, the names
 * task-connections accepts; single-bucket S3 and other file services by their own names.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { allowedValues } from '../../src/domain/configurations/allowed-values.ts';
import { createTaskConnections } from '../../src/domain/connections/task-connections.ts';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import { loadOrCreateSecretKey } from '../../src/lib/secret-key-file.ts';
import { createTestGeosync, type TestGeosync } from '../helpers/geosync.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let geosync: TestGeosync;

before(async () => {
  geosync = await createTestGeosync();
  const create = (name: string, type: string, config: Record<string, unknown>) =>
    geosync.ctx.connections.create({ name, type, description: '', config, roles: null });
  // No S3 server needed: listing and naming never reach the endpoint.
  const s3 = { endpoint: 'http://127.0.0.1:9', forcePathStyle: true };
  await create('media-store', 's3', { ...s3, buckets: ['a-b', 'ccc'] });
  await create('solo', 's3', { ...s3, buckets: ['solo-bucket'] });
  await create('drop-box', 'local-files', { root: makeTempDir('gs-av-') });
  await create('media-store', 'postgis', { host: '127.0.0.1', database: 'media', user: 'geosync' });
});
after(async () => {
  await geosync?.close();
});

test('file-service values: one per bucket of a multi-bucket connection, others by name', async () => {
  const values = await allowedValues(['file-service'], CLI_PRINCIPAL, geosync.ctx);
  assert.deepEqual(values, ['drop-box', 'local', 'media-store-a-b', 'media-store-ccc', 'solo']);
});

test('database values are untouched (a database may share a file service’s name)', async () => {
  const values = await allowedValues(['database'], CLI_PRINCIPAL, geosync.ctx);
  assert.deepEqual(values, ['local', 'media-store']);
});

test('every offered file-service value opens through task-connections', async () => {
  const { ctx, dataDir } = geosync;
  const connections = createTaskConnections({
    db: ctx.db,
    types: ctx.connectorTypes,
    box: createSecretBox(loadOrCreateSecretKey(dataDir, ctx.config.secrets.key).key),
    deps: { dataDir },
  });
  try {
    for (const value of (await allowedValues(['file-service'], CLI_PRINCIPAL, ctx)) ?? []) {
      await assert.doesNotReject(connections.fileService(value), value);
    }
    // The bare name of the multi-bucket connection is what it no longer offers, and why.
    await assert.rejects(connections.fileService('media-store'), { code: 'ambiguous_file_service' });
  } finally {
    await connections.close();
  }
});

test('a settings change is seen at once: a second bucket splits the name', async () => {
  const solo = await geosync.ctx.connections.resolve(CLI_PRINCIPAL, 'solo', 'file_service');
  await geosync.ctx.connections.update(CLI_PRINCIPAL, solo.id, {
    config: { ...solo.config, buckets: ['solo-bucket', 'second'] },
  });
  const values = await allowedValues(['file-service'], CLI_PRINCIPAL, geosync.ctx);
  assert.deepEqual(values, [
    'drop-box',
    'local',
    'media-store-a-b',
    'media-store-ccc',
    'solo-second',
    'solo-solo-bucket',
  ]);
});
