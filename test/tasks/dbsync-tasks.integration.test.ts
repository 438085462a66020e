/**
 * The nine database sync task types run by the engine in batches (REST API, real PostGIS
 * databases, local-folder file services). Commits go in reverse task order: a batch "install,
 * prepare" or "package, deploy" or "sync, verify" still works in its natural order, because a
 * marker does the earlier tasks' idempotent work first (docs/task-types.md). Rollback removes a
 * package's file and releases what it held on the central.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Run } from '../../src/contracts/batches.dto.ts';
import { addConnection, postgisConnection, userClient } from '../api/dbsync.test-helper.ts';
import { batchOf, runBatch } from '../helpers/batches.ts';
import { createSyncNode, createSyncNodes, type SyncNodeDatabase, type SyncNodes } from '../helpers/dbsync-nodes.ts';
import type { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let server: TestServer;
let nodes: SyncNodes;
let blank: SyncNodeDatabase;
let admin: ApiClient;
let central: SyncNodeDatabase;
let clone: SyncNodeDatabase;
let folders: Record<'central' | 'clone' | 'manager', string>;
let packages: string;

before(async () => {
  nodes = await createSyncNodes({ clones: 1 });
  central = nodes.central;
  clone = nodes.clones[0]!;
  blank = await createSyncNode('dbsync_blank');
  await central.query(`CREATE SCHEMA field;
    CREATE TABLE field.site (id serial PRIMARY KEY, name text, geom geometry(Point, 4326));
    CREATE TABLE field.note (id serial PRIMARY KEY, body text);
    INSERT INTO field.site (name, geom) VALUES ('a', 'SRID=4326;POINT (4 50)');
    INSERT INTO field.note (body) VALUES ('first');`);
  server = await startTestServer({ engine: true });
  packages = path.join(server.dataDir, 'dbsync', 'packages');
  admin = await userClient(server, 'syncadmin', { admin: true });
  assert.equal((await admin.request('POST', '/api/v1/workspaces', { name: 'field' })).status, 201);
  await addConnection(admin, postgisConnection('central', central));
  await addConnection(admin, postgisConnection('clone', clone));
  await addConnection(admin, postgisConnection('blank', blank));
  const root = makeTempDir('gs-dbsync-tasks-');
  folders = {
    central: path.join(root, 'central'),
    clone: path.join(root, 'clone'),
    manager: path.join(root, 'manager'),
  };
  for (const [name, dir] of Object.entries(folders)) {
    mkdirSync(dir, { recursive: true });
    await addConnection(admin, { name: `${name}-files`, type: 'local-files', config: { root: dir } });
  }
});

after(async () => {
  await server?.close();
  await blank?.close();
  await nodes?.close();
});

let batches = 0;
async function run(tasks: Array<{ type: string; parameters: Record<string, string> }>): Promise<Run> {
  const named = tasks.map((t, i) => ({ name: `t${i + 1}-${t.type}`, ...t }));
  return runBatch(admin, await batchOf(admin, 'field', `dbsync-${++batches}`, named));
}

async function logOf(run: Run): Promise<string[]> {
  const log = await admin.request<{ items: { message: string }[] }>('GET', `/api/v1/runs/${run.id}/log`);
  return log.body.items.map((i) => i.message);
}

const statuses = (r: Run) => r.tasks.map((t) => t.status);
const packageRows = async () =>
  Number((await central.query<{ n: string }>('SELECT count(*)::text AS n FROM geosync_dbsync.package'))[0]!.n);

test('DbSyncInstall then DbSyncPrepareCentral in one batch: prepare commits first and installs first', async () => {
  const done = await run([
    { type: 'DbSyncInstall', parameters: { 'central-database': 'central' } },
    {
      type: 'DbSyncPrepareCentral',
      parameters: { 'central-database': 'central', schemas: 'field', rules: 'field.note=manual' },
    },
  ]);
  assert.equal(done.status, 'committed', JSON.stringify(done));
  assert.match(done.tasks[0]!.message ?? '', /will be installed on commit/);
  const tables = await central.query<{ t: string; rule: string }>(
    `SELECT schema_name || '.' || table_name AS t, rule FROM geosync_dbsync.synced_table ORDER BY 1`,
  );
  assert.deepEqual(tables, [
    { t: 'field.note', rule: 'manual' },
    { t: 'field.site', rule: 'lww' },
  ]);
  const log = await logOf(done);
  assert.ok(
    log.some((m) => /Prepared 2 table\(s\) of central/.test(m)),
    log.join('\n'),
  );
  assert.ok(
    log.some((m) => /Sync structures of central: (installed|up to date)/.test(m)),
    log.join('\n'),
  );
});

test('DbSyncPackage then DbSyncDeploy: the clone gets the package from its temporary file, renamed on commit', async () => {
  const done = await run([
    { type: 'DbSyncPackage', parameters: { 'central-database': 'central', 'package-name': 'field' } },
    { type: 'DbSyncDeploy', parameters: { 'clone-database': 'clone', 'package-name': 'field.zip' } },
  ]);
  assert.equal(done.status, 'committed', JSON.stringify(done));
  assert.match(done.tasks[0]!.message ?? '', /Packaged central: 2 table\(s\), 2 row\(s\)/);
  assert.deepEqual(readdirSync(packages), ['field.zip']);
  assert.deepEqual(await clone.query('SELECT name FROM field.site'), [{ name: 'a' }]);
  const [meta] = await clone.query<{ role: string }>('SELECT role FROM geosync_dbsync.meta');
  assert.equal(meta!.role, 'clone');
});

test('DbSync then DbSyncVerify: both sides edited, synced, verified equal; counts in the run log', async () => {
  await central.query(`UPDATE field.site SET name = 'renamed at the central'`);
  await clone.query(`INSERT INTO field.site (name, geom) VALUES ('found in the field', 'SRID=4326;POINT (5 51)')`);
  const done = await run([
    {
      type: 'DbSync',
      parameters: { 'central-database': 'central', 'clone-database': 'clone', 'batch-changes': '100' },
    },
    { type: 'DbSyncVerify', parameters: { 'central-database': 'central', 'clone-database': 'clone' } },
  ]);
  assert.equal(done.status, 'committed', JSON.stringify(done));
  const log = await logOf(done);
  assert.ok(
    log.some((m) => m.startsWith('Synced clone with central: 1 change(s) to the clone, 1 to the central')),
    log.join('\n'),
  );
  assert.ok(
    log.some((m) => /^clone equals central \(2 table\(s\) compared\)/.test(m)),
    log.join('\n'),
  );
  const names = (node: SyncNodeDatabase) => node.query('SELECT name FROM field.site ORDER BY name');
  assert.deepEqual(await names(central), await names(clone));
  assert.equal((await names(central)).length, 2);
});

test('DbSyncVerify fails its commit when the clone differs; DbSync reports the conflict in the log', async () => {
  await central.query(`UPDATE field.note SET body = 'central'`);
  await clone.query(`UPDATE field.note SET body = 'clone'`);
  const synced = await run([
    { type: 'DbSync', parameters: { 'central-database': 'central', 'clone-database': 'clone' } },
  ]);
  assert.equal(synced.status, 'committed', JSON.stringify(synced));
  const log = await logOf(synced);
  assert.ok(
    log.some((m) => /[1-9]\d* conflict\(s\)/.test(m)),
    log.join('\n'),
  );
  const verified = await run([
    { type: 'DbSyncVerify', parameters: { 'central-database': 'central', 'clone-database': 'clone' } },
  ]);
  assert.deepEqual(statuses(verified), ['not_committed'], JSON.stringify(verified));
  assert.match(
    verified.tasks[0]!.message ?? '',
    /clone differs from central: field\.note: 0 missing on the clone, 0 extra, 1 different/,
  );
});

test('the file task types: projects and files to a clone, a folder sent, media back', async () => {
  mkdirSync(path.join(folders.central, 'projects/skip'), { recursive: true });
  writeFileSync(path.join(folders.central, 'projects/map.qgs'), '<qgis version="3.34"><projectlayers/></qgis>');
  writeFileSync(path.join(folders.central, 'projects/skip/big.bin'), 'skipped');
  writeFileSync(path.join(folders.manager, 'extra.txt'), 'from the office');
  mkdirSync(path.join(folders.clone, 'site/media/upload'), { recursive: true });
  writeFileSync(path.join(folders.clone, 'site/media/upload/photo.jpg'), 'jpeg');
  const done = await run([
    {
      type: 'DbSyncGetFiles',
      parameters: {
        'central-file-service': 'central-files',
        'central-dir': 'projects',
        'clone-file-service': 'clone-files',
        'clone-dir': 'site',
        exclude: 'skip',
        'central-database': 'central',
        'clone-database': 'clone',
      },
    },
    {
      type: 'DbSyncSendFiles',
      parameters: { 'local-file-service': 'manager-files', 'clone-file-service': 'clone-files', 'clone-dir': 'site' },
    },
    {
      type: 'DbSyncSendMedia',
      parameters: {
        'clone-file-service': 'clone-files',
        'clone-dir': 'site',
        'central-file-service': 'central-files',
        'central-dir': 'projects',
      },
    },
  ]);
  assert.equal(done.status, 'committed', JSON.stringify(done));
  assert.ok(existsSync(path.join(folders.clone, 'site/map.qgs')));
  assert.ok(!existsSync(path.join(folders.clone, 'site/skip')));
  assert.equal(readFileSync(path.join(folders.clone, 'site/extra.txt'), 'utf8'), 'from the office');
  assert.equal(readFileSync(path.join(folders.central, 'projects/media/upload/photo.jpg'), 'utf8'), 'jpeg');
  const log = await logOf(done);
  assert.ok(
    log.some((m) =>
      m.startsWith('1 file(s) copied from clone-files:site/media/upload to central-files:projects/media/upload'),
    ),
    log.join('\n'),
  );
});

test('a failing task rolls DbSyncPackage back: no archive, no temporary file, the central log released', async () => {
  const before = await packageRows();
  const done = await run([
    { type: 'DbSyncPackage', parameters: { 'central-database': 'central', 'package-name': 'rolled.zip' } },
    { type: 'DbSyncVerify', parameters: { 'central-database': 'central', 'clone-database': 'blank' } },
  ]);
  assert.equal(done.status, 'failed', JSON.stringify(done));
  assert.deepEqual(statuses(done), ['rolled_back', 'failed']);
  assert.match(done.tasks[1]!.message ?? '', /'blank' is not a clone/);
  assert.deepEqual(readdirSync(packages), ['field.zip']);
  assert.equal(await packageRows(), before);
});

test('refusals at run: a package after a prepare of the same batch, the embedded store, an unknown package', async () => {
  const order = await run([
    { type: 'DbSyncPrepareCentral', parameters: { 'central-database': 'central', schemas: 'field' } },
    { type: 'DbSyncPackage', parameters: { 'central-database': 'central', 'package-name': 'late' } },
  ]);
  assert.deepEqual(statuses(order), ['rolled_back', 'failed'], JSON.stringify(order));
  assert.match(order.tasks[1]!.message ?? '', /put DbSyncPackage in a later batch/);

  const local = await run([
    { type: 'DbSync', parameters: { 'central-database': 'central', 'clone-database': 'local' } },
  ]);
  assert.deepEqual(statuses(local), ['failed']);
  assert.match(local.tasks[0]!.message ?? '', /embedded store/);

  const missing = await run([
    { type: 'DbSyncDeploy', parameters: { 'clone-database': 'blank', 'package-name': 'missing.zip' } },
  ]);
  assert.deepEqual(statuses(missing), ['failed']);
  assert.match(missing.tasks[0]!.message ?? '', /no package 'missing\.zip'/);

  const badRule = await run([
    {
      type: 'DbSyncPrepareCentral',
      parameters: { 'central-database': 'central', schemas: 'field', rules: 'field.site=never' },
    },
  ]);
  assert.deepEqual(statuses(badRule), ['failed']);
  assert.match(badRule.tasks[0]!.message ?? '', /rules: 'field\.site=never'/);
  assert.deepEqual(readdirSync(packages), ['field.zip']);
});
