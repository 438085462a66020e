/**
 * Two-way database sync through the REST API, end to end on real PostGIS databases (a central and
 * a clone, each its own database) reached through postgis connections: install → prepare →
 * package (download, upload again) → deploy → edits on both sides → sync → status → verify →
 * conflicts list and resolve → sync → verify equal; then the file algorithms over local-folder
 * file services, with a QGIS project pointed at the clone's database.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type {
  DbSyncConflictPage,
  DbSyncDeployResult,
  DbSyncFilesResult,
  DbSyncInstallResult,
  DbSyncPackageFile,
  DbSyncPackageResult,
  DbSyncPrepareResult,
  DbSyncStatusResult,
  DbSyncSyncResult,
  DbSyncUploadResult,
  DbSyncVerifyResult,
} from '../../src/contracts/dbsync-results.dto.ts';
import { createSyncNodes, type SyncNodeDatabase, type SyncNodes } from '../helpers/dbsync-nodes.ts';
import type { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';
import { addConnection, downloadPackage, postgisConnection, uploadPackage, userClient } from './dbsync.test-helper.ts';

let server: TestServer;
let nodes: SyncNodes;
let admin: ApiClient;
/** A user without the admin role: allowed the connections (no roles on them), not the admin routes. */
let field: ApiClient;
let central: SyncNodeDatabase;
let clone: SyncNodeDatabase;
let packageName = '';
let archive: Buffer;
let folders: { central: string; clone: string; manager: string };

before(async () => {
  nodes = await createSyncNodes({ clones: 1 });
  central = nodes.central;
  clone = nodes.clones[0]!;
  await central.query(`CREATE SCHEMA field;
    CREATE TABLE field.site (id serial PRIMARY KEY, name text, h numeric(8,3), geom geometry(PointZ, 2154));
    CREATE TABLE field.note (id serial PRIMARY KEY, body text);
    INSERT INTO field.site (name, h, geom) VALUES ('a', 1.5, 'SRID=2154;POINT Z (1 2 3)'), ('b', 2, 'SRID=2154;POINT Z (4 5 6)');
    INSERT INTO field.note (body) VALUES ('first');`);
  server = await startTestServer();
  admin = await userClient(server, 'syncadmin', { admin: true });
  field = await userClient(server, 'fielduser');
  await addConnection(admin, postgisConnection('central', central));
  await addConnection(admin, postgisConnection('clone', clone));
  const root = makeTempDir('gs-dbsync-files-');
  folders = {
    central: path.join(root, 'central'),
    clone: path.join(root, 'clone'),
    manager: path.join(root, 'manager'),
  };
  for (const [name, root] of Object.entries(folders)) {
    mkdirSync(root, { recursive: true });
    await addConnection(admin, { name: `${name}-files`, type: 'local-files', config: { root } });
  }
});

after(async () => {
  await server?.close();
  await nodes?.close();
});

test('install, then again: installed once, up to date the second time', async () => {
  const first = await admin.request<DbSyncInstallResult>('POST', '/api/v1/dbsync/install', { central: 'central' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.installed, true);
  const again = await admin.request<DbSyncInstallResult>('POST', '/api/v1/dbsync/install', { central: 'central' });
  assert.deepEqual([again.body.installed, again.body.nodeId], [false, first.body.nodeId]);
  const [meta] = await central.query<{ role: string }>('SELECT role FROM geosync_dbsync.meta');
  assert.equal(meta!.role, 'central');
});

test('prepare: every table of the schema gets a uid and capture; a rule per table', async () => {
  const prepared = await admin.request<DbSyncPrepareResult>('POST', '/api/v1/dbsync/prepare', {
    central: 'central',
    schemas: ['field'],
    rules: { 'field.note': 'manual' },
  });
  assert.equal(prepared.status, 200, JSON.stringify(prepared.body));
  assert.deepEqual(prepared.body.tables.map((t) => [t.table, t.rule, t.uid]).sort(), [
    ['field.note', 'manual', 'added_by_rewrite'],
    ['field.site', 'lww', 'added_by_rewrite'],
  ]);
  assert.deepEqual(prepared.body.withoutPrimaryKey, []);
  const uids = await central.query<{ n: string }>('SELECT count(uid)::text AS n FROM field.site');
  assert.equal(uids[0]!.n, '2');
});

test('package into the work folder, list it, download it and upload it again under another name', async () => {
  const made = await admin.request<DbSyncPackageResult>('POST', '/api/v1/dbsync/package', {
    central: 'central',
    afterSql: 'CREATE TABLE public.after_deploy (ok boolean)',
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.match(made.body.name, /^central-\d{8}T\d{6}\.zip$/);
  assert.deepEqual(made.body.tables.map((t) => `${t.schema}.${t.name}:${t.rows}`).sort(), [
    'field.note:1',
    'field.site:2',
  ]);
  packageName = made.body.name;
  const file = path.join(server.dataDir, 'dbsync', 'packages', packageName);
  assert.equal(readFileSync(file).length, made.body.bytes);

  const listed = await admin.request<{ items: DbSyncPackageFile[] }>('GET', '/api/v1/dbsync/packages');
  assert.deepEqual(
    listed.body.items.map(({ name, bytes }) => ({ name, bytes })),
    [{ name: packageName, bytes: made.body.bytes }],
  );

  const download = await downloadPackage(admin, packageName);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'application/zip');
  archive = Buffer.from(await download.arrayBuffer());
  assert.deepEqual(archive, readFileSync(file));

  const uploaded = await uploadPackage<DbSyncUploadResult>(admin, 'copy.zip', archive);
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  assert.equal(uploaded.body.packageId, made.body.packageId);
  assert.equal(uploaded.body.bytes, archive.length);
  const extra = await uploadPackage(admin, 'extra.zip', archive);
  assert.equal(extra.status, 201, JSON.stringify(extra.body));
  assert.equal((await admin.request('DELETE', '/api/v1/dbsync/packages/extra.zip')).status, 204);
  const names = (await admin.request<{ items: DbSyncPackageFile[] }>('GET', '/api/v1/dbsync/packages')).body.items;
  assert.deepEqual(names.map((i) => i.name).sort(), ['copy.zip', packageName].sort());
});

test('deploy the package to the clone: its rows, and after.sql run in the same transaction', async () => {
  const deployed = await admin.request<DbSyncDeployResult>('POST', '/api/v1/dbsync/deploy', {
    clone: 'clone',
    package: 'copy.zip',
  });
  assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
  assert.equal(deployed.body.rows, 3);
  assert.equal((await clone.query('SELECT * FROM public.after_deploy')).length, 0);
  const sites = await clone.query<{ name: string }>('SELECT name FROM field.site ORDER BY name');
  assert.deepEqual(
    sites.map((s) => s.name),
    ['a', 'b'],
  );
});

test('edits on both sides, synced by a user allowed both connections: counts, a manual conflict', async () => {
  await central.query(`UPDATE field.site SET name = 'central a' WHERE name = 'a'`);
  await clone.query(`UPDATE field.site SET h = 9.25 WHERE name = 'b'`);
  await clone.query(`INSERT INTO field.site (name, h) VALUES ('from the field', 3)`);
  await central.query(`UPDATE field.note SET body = 'central text'`);
  await clone.query(`UPDATE field.note SET body = 'clone text'`);

  const synced = await field.request<DbSyncSyncResult>('POST', '/api/v1/dbsync/sync', {
    central: 'central',
    clone: 'clone',
    batchChanges: 2,
  });
  assert.equal(synced.status, 200, JSON.stringify(synced.body));
  assert.equal(synced.body.toClone.changes, 2);
  assert.equal(synced.body.toCentral.changes, 3);
  assert.ok(synced.body.toCentral.batches >= 2, 'batches of 2 changes');
  assert.ok(synced.body.conflicts >= 1, JSON.stringify(synced.body));
  const site = (node: SyncNodeDatabase) =>
    node.query<{ name: string; h: string }>('SELECT name, h::text FROM field.site ORDER BY name');
  assert.deepEqual(await site(central), await site(clone));
  assert.deepEqual(
    (await site(central)).map((r) => r.name),
    ['b', 'central a', 'from the field'],
  );
});

test('status: the clone registered, nothing pending, the run recorded', async () => {
  const status = await field.request<DbSyncStatusResult>('GET', '/api/v1/dbsync/status?central=central&clone=clone');
  assert.equal(status.status, 200, JSON.stringify(status.body));
  const { centralStatus, cloneStatus } = status.body;
  assert.deepEqual(
    centralStatus.clones.map((c) => c.name),
    ['clone'],
  );
  assert.equal(centralStatus.recentRuns[0]!.outcome, 'succeeded');
  assert.ok(centralStatus.pendingConflicts >= 1);
  assert.deepEqual([cloneStatus!.pendingToClone, cloneStatus!.pendingToCentral], [0, 0]);
});

test('verify finds the manual conflict; resolving it (keep central) and syncing makes them equal', async () => {
  const differs = await field.request<DbSyncVerifyResult>('GET', '/api/v1/dbsync/verify?central=central&clone=clone');
  assert.equal(differs.status, 200, JSON.stringify(differs.body));
  assert.equal(differs.body.equal, false);
  const note = differs.body.tables.find((t) => t.table === 'field.note')!;
  assert.deepEqual(
    note.different.map((d) => d.columns),
    [['body']],
  );

  const pending = await field.request<DbSyncConflictPage>(
    'GET',
    '/api/v1/dbsync/conflicts?central=central&outcome=pending',
  );
  assert.equal(pending.status, 200, JSON.stringify(pending.body));
  const conflict = pending.body.items.find((c) => c.table === 'field.note' && c.column === 'body')!;
  assert.equal(conflict.kind, 'update_update');
  assert.equal(conflict.rule, 'manual');
  assert.deepEqual([conflict.base, conflict.central, conflict.clone], ['first', 'central text', 'clone text']);

  const resolved = await field.request<{ outcome: string; resolvedBy: string }>(
    'POST',
    `/api/v1/dbsync/conflicts/${conflict.id}/resolve`,
    { central: 'central', keep: 'central' },
  );
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.deepEqual([resolved.body.outcome, resolved.body.resolvedBy], ['resolved', 'fielduser']);
  const again = await field.request('POST', `/api/v1/dbsync/conflicts/${conflict.id}/resolve`, {
    central: 'central',
    keep: 'clone',
  });
  assert.equal((again.body as { code: string }).code, 'dbsync_conflict_resolved');

  assert.equal(
    (await field.request('POST', '/api/v1/dbsync/sync', { central: 'central', clone: 'clone' })).status,
    200,
  );
  const equal = await field.request<DbSyncVerifyResult>('GET', '/api/v1/dbsync/verify?central=central&clone=clone');
  assert.equal(equal.body.equal, true, JSON.stringify(equal.body));
  const bodies = await clone.query<{ body: string }>('SELECT body FROM field.note');
  assert.deepEqual(bodies, [{ body: 'central text' }]);
  const left = await field.request<DbSyncConflictPage>(
    'GET',
    '/api/v1/dbsync/conflicts?central=central&outcome=pending',
  );
  assert.deepEqual(left.body.items, []);
});

test('migrate: a column added on the central reaches the clone at its next sync', async () => {
  const migrated = await admin.request<{ schemaVersion: number }>('POST', '/api/v1/dbsync/migrate', {
    central: 'central',
    statements: ['ALTER TABLE field.site ADD COLUMN remark text'],
    description: 'remarks',
  });
  assert.equal(migrated.status, 200, JSON.stringify(migrated.body));
  assert.equal(migrated.body.schemaVersion, 2);
  await central.query(`UPDATE field.site SET remark = 'checked' WHERE name = 'b'`);
  const synced = await field.request<DbSyncSyncResult>('POST', '/api/v1/dbsync/sync', {
    central: 'central',
    clone: 'clone',
  });
  assert.equal(synced.body.schemaMigrationsApplied, 1, JSON.stringify(synced.body));
  assert.deepEqual(await clone.query(`SELECT remark FROM field.site WHERE name = 'b'`), [{ remark: 'checked' }]);
});

const qgsFor = (node: SyncNodeDatabase) => {
  const url = new URL(node.url);
  return readFileSync(
    new URL('../../src/domain/dbsync/files/fixtures/field-survey.qgs', import.meta.url),
    'utf8',
  ).replaceAll(
    "dbname='central' host=10.0.0.5 port=5432",
    `dbname='${node.name}' host=${url.hostname} port=${url.port}`,
  );
};

test("files: projects to the clone pointed at the clone's database, a folder sent, media back", async () => {
  mkdirSync(path.join(folders.central, 'projects/data'), { recursive: true });
  mkdirSync(path.join(folders.central, 'projects/archive'), { recursive: true });
  writeFileSync(path.join(folders.central, 'projects/survey.qgs'), qgsFor(central));
  writeFileSync(path.join(folders.central, 'projects/data/roads.gpkg'), 'gpkg');
  writeFileSync(path.join(folders.central, 'projects/archive/old.txt'), 'old');
  const got = await field.request<DbSyncFilesResult>('POST', '/api/v1/dbsync/files/get', {
    centralFiles: 'central-files',
    centralDir: 'projects',
    cloneFiles: 'clone-files',
    cloneDir: 'projects',
    exclude: ['archive'],
    centralDatabase: 'central',
    cloneDatabase: 'clone',
  });
  assert.equal(got.status, 200, JSON.stringify(got.body));
  assert.deepEqual(got.body.copied, ['data/roads.gpkg', 'survey.qgs']);
  assert.deepEqual(got.body.rewritten, [{ path: 'survey.qgs', layers: 3 }]);
  assert.deepEqual(got.body.excluded, ['archive']);
  const project = readFileSync(path.join(folders.clone, 'projects/survey.qgs'), 'utf8');
  const cloneUrl = new URL(clone.url);
  assert.ok(project.includes(`dbname='${clone.name}' host=${cloneUrl.hostname} port=${cloneUrl.port} user='postgres'`));
  assert.ok(!project.includes(central.name) && !project.includes('s3cr') && !project.includes('gis-pass'));

  writeFileSync(path.join(folders.manager, 'styles.qml'), '<qgis/>');
  const sent = await field.request<DbSyncFilesResult>('POST', '/api/v1/dbsync/files/send', {
    localFiles: 'manager-files',
    cloneFiles: 'clone-files',
    cloneDir: 'projects',
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.deepEqual(sent.body.copied, ['styles.qml']);

  mkdirSync(path.join(folders.clone, 'projects/media/upload'), { recursive: true });
  writeFileSync(path.join(folders.clone, 'projects/media/upload/photo.jpg'), 'jpeg');
  const media = await field.request<DbSyncFilesResult>('POST', '/api/v1/dbsync/files/media', {
    cloneFiles: 'clone-files',
    cloneDir: 'projects',
    centralFiles: 'central-files',
    centralDir: 'projects',
  });
  assert.equal(media.status, 200, JSON.stringify(media.body));
  assert.deepEqual([media.body.copied, media.body.to], [['photo.jpg'], 'central-files:projects/media/upload']);
  assert.equal(readFileSync(path.join(folders.central, 'projects/media/upload/photo.jpg'), 'utf8'), 'jpeg');
});
