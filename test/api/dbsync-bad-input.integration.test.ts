/**
 * Every dbsync endpoint refusing bad input with the standard problem+json and a stable code:
 * who may call, unknown connections, wrong kinds, the embedded store, schema names, unknown
 * fields, tampered archives, package names, conflict ids and choices. Real PostGIS: a central
 * and a deployed clone from test/helpers/dbsync-cluster.ts, reached through postgis connections.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { DbSyncPackageResult } from '../../src/contracts/dbsync-results.dto.ts';
import { createSyncCluster, type SyncCluster } from '../helpers/dbsync-cluster.ts';
import { createSyncNode, type SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';
import type { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { addConnection, downloadPackage, postgisConnection, uploadPackage, userClient } from './dbsync.test-helper.ts';

let server: TestServer;
let cluster: SyncCluster;
let blank: SyncNodeDatabase;
let admin: ApiClient;
/** No admin role, no connection role. */
let reader: ApiClient;
/** Role `ops`: may use the `restricted` connection. */
let ops: ApiClient;
let archive: Buffer;

interface Problem {
  code: string;
  status: number;
  detail: string;
  errors?: { field?: string; message: string }[];
}

before(async () => {
  cluster = await createSyncCluster({
    clones: 1,
    setupSql: `CREATE SCHEMA field;
      CREATE TABLE field.site (id serial PRIMARY KEY, name text);
      CREATE TABLE field.note (id serial PRIMARY KEY, body text);`,
    schemas: ['field'],
    rules: { 'field.note': 'manual' },
    seedSql: `INSERT INTO field.site (name) VALUES ('a'); INSERT INTO field.note (body) VALUES ('first');`,
  });
  blank = await createSyncNode('dbsync_blank');
  server = await startTestServer();
  admin = await userClient(server, 'syncadmin', { admin: true });
  reader = await userClient(server, 'reader');
  ops = await userClient(server, 'opsuser', { roles: ['ops'] });
  await addConnection(admin, postgisConnection('central', cluster.central));
  await addConnection(admin, postgisConnection('clone', cluster.clones[0]!));
  await addConnection(admin, postgisConnection('blank', blank));
  await addConnection(admin, postgisConnection('restricted', cluster.clones[0]!, ['ops']));
  const root = makeTempDir('gs-dbsync-bad-');
  mkdirSync(path.join(root, 'files'));
  await addConnection(admin, { name: 'files', type: 'local-files', config: { root: path.join(root, 'files') } });
  const made = await admin.request<DbSyncPackageResult>('POST', '/api/v1/dbsync/package', { central: 'central' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  archive = Buffer.from(await (await downloadPackage(admin, made.body.name)).arrayBuffer());
});

after(async () => {
  await server?.close();
  await blank?.close();
  await cluster?.close();
});

async function refused(
  client: ApiClient,
  method: string,
  url: string,
  body: unknown,
  status: number,
  code: string,
): Promise<Problem> {
  const response = await client.request<Problem>(method, url, body);
  assert.equal(response.status, status, `${method} ${url}: ${JSON.stringify(response.body)}`);
  assert.equal(response.body.code, code, `${method} ${url}: ${JSON.stringify(response.body)}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return response.body;
}

test('administration routes refuse a user who is not an administrator (403), and anonymous callers (401)', async () => {
  const adminOnly: Array<[string, string, unknown]> = [
    ['POST', '/api/v1/dbsync/install', { central: 'central' }],
    ['POST', '/api/v1/dbsync/prepare', { central: 'central', schemas: ['field'] }],
    ['POST', '/api/v1/dbsync/migrate', { central: 'central', statements: ['SELECT 1'] }],
    ['POST', '/api/v1/dbsync/package', { central: 'central' }],
    ['POST', '/api/v1/dbsync/deploy', { clone: 'clone', package: 'x.zip' }],
    ['GET', '/api/v1/dbsync/packages', undefined],
    ['GET', '/api/v1/dbsync/packages/x.zip', undefined],
    ['DELETE', '/api/v1/dbsync/packages/x.zip', undefined],
  ];
  for (const [method, url, body] of adminOnly) await refused(reader, method, url, body, 403, 'forbidden');
  const upload = await uploadPackage(reader, 'x.zip', archive);
  assert.deepEqual([upload.status, upload.body.code], [403, 'forbidden']);
  const anonymous = await fetch(`${server.url}/api/v1/dbsync/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ central: 'central', clone: 'clone' }),
  });
  assert.equal(anonymous.status, 401);
  // Nothing changed on the central: prepare and migrate were refused before running.
  const [meta] = await cluster.central.query<{ schema_version: number }>(
    'SELECT schema_version FROM geosync_dbsync.meta',
  );
  assert.equal(meta!.schema_version, 1);
});

test("a connection the user's roles do not allow is reported as missing; its role lets the user in", async () => {
  await refused(
    reader,
    'POST',
    '/api/v1/dbsync/sync',
    { central: 'central', clone: 'restricted' },
    404,
    'connection_not_found',
  );
  await refused(
    reader,
    'GET',
    '/api/v1/dbsync/status?central=central&clone=restricted',
    undefined,
    404,
    'connection_not_found',
  );
  await refused(
    reader,
    'GET',
    '/api/v1/dbsync/verify?central=central&clone=restricted',
    undefined,
    404,
    'connection_not_found',
  );
  const allowed = await ops.request<{ cloneStatus: { pendingToClone: number } }>(
    'GET',
    '/api/v1/dbsync/status?central=central&clone=restricted',
  );
  assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
  assert.equal(allowed.body.cloneStatus.pendingToClone, 0);
});

test('unknown connections, a file service named as a database, the embedded store, the same database twice', async () => {
  await refused(admin, 'POST', '/api/v1/dbsync/install', { central: 'nope' }, 404, 'connection_not_found');
  await refused(
    reader,
    'POST',
    '/api/v1/dbsync/sync',
    { central: 'central', clone: 'nope' },
    404,
    'connection_not_found',
  );
  await refused(reader, 'GET', '/api/v1/dbsync/conflicts?central=nope', undefined, 404, 'connection_not_found');
  await refused(admin, 'POST', '/api/v1/dbsync/install', { central: 'files' }, 400, 'wrong_connection_type');
  const wrongFiles = { centralFiles: 'central', cloneFiles: 'files' };
  await refused(reader, 'POST', '/api/v1/dbsync/files/get', wrongFiles, 400, 'wrong_connection_type');
  await refused(
    reader,
    'POST',
    '/api/v1/dbsync/files/media',
    { cloneFiles: 'nope', centralFiles: 'files' },
    404,
    'connection_not_found',
  );
  const local = await refused(
    admin,
    'POST',
    '/api/v1/dbsync/install',
    { central: 'local' },
    400,
    'dbsync_requires_postgres',
  );
  assert.match(local.detail, /embedded store/);
  await refused(
    reader,
    'POST',
    '/api/v1/dbsync/sync',
    { central: 'central', clone: 'local' },
    400,
    'dbsync_requires_postgres',
  );
  await refused(
    admin,
    'POST',
    '/api/v1/dbsync/deploy',
    { clone: 'local', package: 'x.zip' },
    404,
    'dbsync_package_not_found',
  );
  await refused(
    reader,
    'POST',
    '/api/v1/dbsync/sync',
    { central: 'central', clone: 'central' },
    400,
    'dbsync_same_database',
  );
  await refused(
    reader,
    'POST',
    '/api/v1/dbsync/sync',
    { central: 'blank', clone: 'clone' },
    409,
    'dbsync_not_installed',
  );
  await refused(
    reader,
    'GET',
    '/api/v1/dbsync/verify?central=clone&clone=central',
    undefined,
    409,
    'dbsync_wrong_role',
  );
});

test('prepare refuses empty, system, missing and malformed schema names, and rules for unknown tables', async () => {
  const prepare = (body: Record<string, unknown>, status: number, code: string) =>
    refused(admin, 'POST', '/api/v1/dbsync/prepare', { central: 'central', ...body }, status, code);
  await prepare({ schemas: [] }, 400, 'invalid_input');
  await prepare({ schemas: ['bad\u0001name'] }, 400, 'invalid_input');
  await prepare({ schemas: ['x'.repeat(64)] }, 400, 'invalid_input');
  const system = await prepare(
    { schemas: ['field', 'pg_catalog', 'geosync_dbsync'] },
    400,
    'dbsync_schema_not_allowed',
  );
  assert.match(system.detail, /pg_catalog, geosync_dbsync/);
  await prepare({ schemas: ['no_such_schema'] }, 404, 'dbsync_schema_not_found');
  await prepare({ schemas: ['field'], rules: { 'field.nope': 'lww' } }, 404, 'dbsync_table_not_found');
  await prepare({ schemas: ['field'], rules: { nodot: 'lww' } }, 400, 'invalid_input');
  await prepare({ schemas: ['field'], rules: { 'field.site': 'sometimes' } }, 400, 'invalid_input');
  await prepare({ schemas: ['field'], syncWithoutPrimaryKey: ['field.ghost'] }, 404, 'dbsync_table_not_found');
});

test('unknown fields, bad numbers and half-given options are refused before anything runs', async () => {
  const unknown = await refused(
    admin,
    'POST',
    '/api/v1/dbsync/install',
    { central: 'central', drop: true },
    400,
    'invalid_input',
  );
  assert.deepEqual(
    unknown.errors?.map((e) => e.field),
    ['drop'],
  );
  await refused(reader, 'GET', '/api/v1/dbsync/status?central=central&verbose=1', undefined, 400, 'invalid_input');
  await refused(
    reader,
    'POST',
    '/api/v1/dbsync/sync',
    { central: 'central', clone: 'clone', batchChanges: 0 },
    400,
    'invalid_input',
  );
  await refused(reader, 'POST', '/api/v1/dbsync/sync', { central: 'central' }, 400, 'invalid_input');
  await refused(admin, 'POST', '/api/v1/dbsync/migrate', { central: 'central', statements: [] }, 400, 'invalid_input');
  const failed = await refused(
    admin,
    'POST',
    '/api/v1/dbsync/migrate',
    { central: 'central', statements: ['ALTER TABLE field.nope ADD COLUMN x int'] },
    400,
    'dbsync_migration_failed',
  );
  assert.match(failed.detail, /field\.nope/);
  const half = { centralFiles: 'files', cloneFiles: 'files', cloneDir: 'x', centralDatabase: 'central' };
  await refused(reader, 'POST', '/api/v1/dbsync/files/get', half, 400, 'invalid_input');
  const climbing = { centralFiles: 'files', cloneFiles: 'files', cloneDir: 'x', exclude: ['../etc'] };
  await refused(reader, 'POST', '/api/v1/dbsync/files/get', climbing, 400, 'dbsync_invalid_exclude');
});

test('a tampered, truncated or foreign archive is refused at upload and never kept; names are plain', async () => {
  const tampered = Buffer.from(archive);
  // A byte inside the stored entries (after the first local header): checksums no longer match.
  tampered[200] = tampered[200]! ^ 0xff;
  const cases: Array<[string, Buffer]> = [
    ['tampered.zip', tampered],
    ['truncated.zip', archive.subarray(0, Math.floor(archive.length / 2))],
    ['text.zip', Buffer.from('not a zip at all')],
  ];
  for (const [name, bytes] of cases) {
    const response = await uploadPackage(admin, name, bytes);
    assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.code, 'dbsync_archive_invalid', `${name}: ${JSON.stringify(response.body)}`);
  }
  const listed = await admin.request<{ items: { name: string }[] }>('GET', '/api/v1/dbsync/packages');
  assert.deepEqual(
    listed.body.items.map((i) => i.name).filter((n) => !n.startsWith('central-')),
    [],
  );
  for (const name of ['../escape.zip', 'escape.txt', '.hidden.zip']) {
    const response = await uploadPackage(admin, name, archive);
    assert.deepEqual([response.status, response.body.code], [400, 'invalid_input'], name);
  }
  await refused(
    admin,
    'GET',
    `/api/v1/dbsync/packages/${encodeURIComponent('../../secret.key')}`,
    undefined,
    400,
    'invalid_input',
  );
  await refused(
    admin,
    'POST',
    '/api/v1/dbsync/deploy',
    { clone: 'clone', package: '/etc/passwd' },
    400,
    'invalid_input',
  );
  await refused(
    admin,
    'POST',
    '/api/v1/dbsync/deploy',
    { clone: 'clone', package: 'missing.zip' },
    404,
    'dbsync_package_not_found',
  );
  await refused(admin, 'DELETE', '/api/v1/dbsync/packages/missing.zip', undefined, 404, 'dbsync_package_not_found');
  // A good archive deployed to the central itself: refused, the central untouched.
  assert.equal((await uploadPackage(admin, 'good.zip', archive)).status, 201);
  await refused(
    admin,
    'POST',
    '/api/v1/dbsync/deploy',
    { clone: 'central', package: 'good.zip' },
    409,
    'dbsync_wrong_role',
  );
});

test('conflicts: unknown id, a malformed id, a bad choice, a value missing or not JSON', async () => {
  await cluster.central.query(`UPDATE field.note SET body = 'central'`);
  await cluster.clones[0]!.query(`UPDATE field.note SET body = 'clone'`);
  await cluster.sync(0);
  const page = await reader.request<{ items: { id: number; column: string | null }[] }>(
    'GET',
    '/api/v1/dbsync/conflicts?central=central&outcome=pending',
  );
  const id = page.body.items.find((c) => c.column === 'body')!.id;
  const resolve = (conflictId: number | string, body: unknown, status: number, code: string) =>
    refused(reader, 'POST', `/api/v1/dbsync/conflicts/${conflictId}/resolve`, body, status, code);
  await resolve(999_999, { central: 'central', keep: 'central' }, 404, 'dbsync_conflict_not_found');
  await resolve('abc', { central: 'central', keep: 'central' }, 400, 'invalid_input');
  await resolve(id, { central: 'central', keep: 'both' }, 400, 'invalid_input');
  await resolve(id, { central: 'central', keep: 'value' }, 400, 'dbsync_resolution_value_missing');
  await resolve(id, { central: 'nope', keep: 'central' }, 404, 'connection_not_found');
  const malformed = await reader.request<Problem>(
    'POST',
    `/api/v1/dbsync/conflicts/${id}/resolve`,
    '{"central": "central", "keep": "value", "value": }',
  );
  assert.deepEqual([malformed.status, malformed.body.code], [400, 'invalid_json']);
  await refused(
    reader,
    'GET',
    '/api/v1/dbsync/conflicts?central=central&outcome=open',
    undefined,
    400,
    'invalid_input',
  );
  // Still pending after every refusal.
  const still = await reader.request<{ items: { id: number }[] }>(
    'GET',
    '/api/v1/dbsync/conflicts?central=central&outcome=pending',
  );
  assert.ok(still.body.items.some((c) => c.id === id));
});
