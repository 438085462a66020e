/**
 * `geosync dbsync ...` as a user runs it: a real process, --json parsed, exit codes (docs/cli.md),
 * progress on stderr. Real PostGIS: a central and a clone database reached through postgis
 * connections added with `geosync connection add`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createSyncNodes, type SyncNodeDatabase, type SyncNodes } from '../helpers/dbsync-nodes.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/geosync.js', import.meta.url));
let store: TestDatabase;
let nodes: SyncNodes;
let central: SyncNodeDatabase;
let clone: SyncNodeDatabase;
let dataDir: string;
let work: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json: <T = Record<string, unknown>>() => T & { error?: { code: string; message: string } };
}

function geosync(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        GEOSYNC_DATA_DIR: dataDir,
        GEOSYNC_STORE_URL: store.url,
        GEOSYNC_ADMIN_PASSWORD: 'cli-admin-pass',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) as never }));
    child.stdin.end();
  });
}

/** Runs a command with --json and expects exit 0. */
async function ok<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await geosync([...args, '--json']);
  assert.equal(run.code, 0, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
  return run.json<T>();
}

/** Runs a command with --json and expects an error with this exit code and error code. */
async function fails(args: string[], exit: number, code: string): Promise<string> {
  const run = await geosync([...args, '--json']);
  assert.equal(run.code, exit, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
  assert.equal(run.json().error?.code, code, run.stdout);
  return run.json().error!.message;
}

function connection(name: string, node: SyncNodeDatabase): string[] {
  const url = new URL(node.url);
  return [
    'connection',
    'add',
    name,
    '--type',
    'postgis',
    '--set',
    `host=${url.hostname}`,
    '--set',
    `port=${url.port}`,
  ].concat(['--set', `database=${node.name}`, '--set', `user=${url.username}`, '--set', 'sslMode=disable']);
}

before(async () => {
  store = await createTestDatabase('clidbsync');
  nodes = await createSyncNodes({ clones: 1 });
  central = nodes.central;
  clone = nodes.clones[0]!;
  await central.query(`CREATE SCHEMA field;
    CREATE TABLE field.site (id serial PRIMARY KEY, name text, geom geometry(Point, 4326));
    CREATE TABLE field.note (id serial PRIMARY KEY, body text);
    INSERT INTO field.site (name, geom) VALUES ('a', 'SRID=4326;POINT (4 50)');
    INSERT INTO field.note (body) VALUES ('first');`);
  dataDir = makeTempDir('gs-cli-dbsync-');
  work = makeTempDir('gs-cli-dbsync-work-');
  await ok(connection('central', central));
  await ok(connection('clone', clone));
});

after(async () => {
  await nodes?.close();
  await store?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test('install, prepare, package, deploy, sync, status and verify, each with --json', async () => {
  const installed = await ok<{ installed: boolean; structureVersion: number }>([
    'dbsync',
    'install',
    '--central',
    'central',
  ]);
  assert.equal(installed.installed, true);
  const prepared = await ok<{ tables: { table: string; rule: string }[] }>([
    'dbsync',
    'prepare',
    '--central',
    'central',
    '--schemas',
    'field',
    '--rule',
    'field.note=manual',
  ]);
  assert.deepEqual(prepared.tables.map((t) => `${t.table}=${t.rule}`).sort(), ['field.note=manual', 'field.site=lww']);
  const afterSql = path.join(work, 'after.sql');
  writeFileSync(afterSql, 'CREATE TABLE public.deployed_here (at timestamptz DEFAULT now());');
  const output = path.join(work, 'central.zip');
  const packaged = await ok<{ path: string; bytes: number; tables: unknown[] }>([
    'dbsync',
    'package',
    '--central',
    'central',
    '--output',
    output,
    '--after-sql',
    afterSql,
  ]);
  assert.equal(packaged.path, output);
  assert.equal(readFileSync(output).length, packaged.bytes);
  const deployed = await ok<{ rows: number; clone: string }>([
    'dbsync',
    'deploy',
    '--clone',
    'clone',
    '--archive',
    output,
  ]);
  assert.deepEqual([deployed.rows, deployed.clone], [2, 'clone']);
  assert.deepEqual(await clone.query('SELECT count(*)::int AS n FROM public.deployed_here'), [{ n: 0 }]);

  await central.query(`UPDATE field.site SET name = 'central'`);
  await clone.query(`INSERT INTO field.site (name) VALUES ('one'), ('two')`);
  const run = await geosync(['dbsync', 'sync', '--central', 'central', '--clone', 'clone', '--batch', '1', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const synced = run.json<{ toClone: { changes: number }; toCentral: { changes: number; batches: number } }>();
  assert.deepEqual([synced.toClone.changes, synced.toCentral.changes, synced.toCentral.batches], [1, 2, 2]);
  assert.match(run.stderr, /clone_to_central: batch 2\/2/);

  const status = await ok<{ cloneStatus: { pendingToClone: number; pendingToCentral: number } }>([
    'dbsync',
    'status',
    '--central',
    'central',
    '--clone',
    'clone',
  ]);
  assert.deepEqual([status.cloneStatus.pendingToClone, status.cloneStatus.pendingToCentral], [0, 0]);
  const verified = await ok<{ equal: boolean }>(['dbsync', 'verify', '--central', 'central', '--clone', 'clone']);
  assert.equal(verified.equal, true);
  const human = await geosync(['dbsync', 'verify', '--central', 'central', '--clone', 'clone']);
  assert.match(human.stdout, /^clone equals central \(2 table\(s\) compared\)/);
});

test('a manual conflict: verify exits 6, conflicts list --pending shows it, resolve with a value fixes it', async () => {
  await central.query(`UPDATE field.note SET body = 'central'`);
  await clone.query(`UPDATE field.note SET body = 'clone'`);
  await ok(['dbsync', 'sync', '--central', 'central', '--clone', 'clone']);
  const differs = await geosync(['dbsync', 'verify', '--central', 'central', '--clone', 'clone', '--json']);
  assert.equal(differs.code, 6, differs.stderr);
  assert.equal(differs.json<{ equal: boolean }>().equal, false);

  const page = await ok<{ items: { id: number; column: string; central: unknown; clone: unknown }[] }>([
    'dbsync',
    'conflicts',
    'list',
    '--central',
    'central',
    '--pending',
  ]);
  const found = page.items.find((c) => c.column === 'body')!;
  assert.deepEqual([found.central, found.clone], ['central', 'clone']);
  const resolved = await ok<{ outcome: string; resolvedBy: string }>([
    'dbsync',
    'conflicts',
    'resolve',
    String(found.id),
    '--central',
    'central',
    '--keep',
    'value',
    '--value',
    '"agreed"',
  ]);
  assert.deepEqual([resolved.outcome, resolved.resolvedBy], ['resolved', '(cli)']);
  await ok(['dbsync', 'sync', '--central', 'central', '--clone', 'clone']);
  assert.equal(
    (await ok<{ equal: boolean }>(['dbsync', 'verify', '--central', 'central', '--clone', 'clone'])).equal,
    true,
  );
  assert.deepEqual(await clone.query('SELECT body FROM field.note'), [{ body: 'agreed' }]);

  const migrated = await ok<{ schemaVersion: number }>([
    'dbsync',
    'migrate',
    '--central',
    'central',
    '--sql',
    'ALTER TABLE field.note ADD COLUMN author text',
  ]);
  assert.equal(migrated.schemaVersion, 2);
  await central.query(`UPDATE field.note SET author = 'me'`);
  const replayed = await ok<{ schemaMigrationsApplied: number }>([
    'dbsync',
    'sync',
    '--central',
    'central',
    '--clone',
    'clone',
  ]);
  assert.equal(replayed.schemaMigrationsApplied, 1);
  assert.deepEqual(await clone.query('SELECT author FROM field.note'), [{ author: 'me' }]);
});

test('bad input: missing options, unknown or embedded connections, bad choices and values, bad archives', async () => {
  const missing = await geosync(['dbsync', 'sync', '--clone', 'clone']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--central <db>' not specified/);
  const noKeep = await geosync(['dbsync', 'conflicts', 'resolve', '1', '--central', 'central']);
  assert.equal(noKeep.code, 2);
  assert.match(noKeep.stderr, /required option '--keep <which>' not specified/);
  const badKeep = await geosync(['dbsync', 'conflicts', 'resolve', '1', '--central', 'central', '--keep', 'both']);
  assert.equal(badKeep.code, 2);
  assert.match(badKeep.stderr, /Allowed choices are central, clone, value/);

  await fails(['dbsync', 'install', '--central', 'nope'], 3, 'connection_not_found');
  assert.match(
    await fails(['dbsync', 'install', '--central', 'local'], 2, 'dbsync_requires_postgres'),
    /embedded store/,
  );
  await fails(['dbsync', 'sync', '--central', 'central', '--clone', 'clone', '--batch', '0'], 2, 'invalid_input');
  await fails(['dbsync', 'prepare', '--central', 'central', '--schemas', 'pg_catalog'], 2, 'dbsync_schema_not_allowed');
  await fails(
    ['dbsync', 'prepare', '--central', 'central', '--schemas', 'field', '--rule', 'field.site=sometimes'],
    2,
    'invalid_input',
  );
  const resolve = ['dbsync', 'conflicts', 'resolve'];
  await fails([...resolve, 'abc', '--central', 'central', '--keep', 'central'], 2, 'invalid_input');
  await fails([...resolve, '1', '--central', 'central', '--keep', 'value', '--value', '{not json'], 2, 'invalid_input');
  await fails([...resolve, '999999', '--central', 'central', '--keep', 'central'], 3, 'dbsync_conflict_not_found');

  await fails(
    ['dbsync', 'deploy', '--clone', 'clone', '--archive', path.join(work, 'none.zip')],
    2,
    'local_file_not_found',
  );
  const tampered = Buffer.from(readFileSync(path.join(work, 'central.zip')));
  tampered[200] = tampered[200]! ^ 0xff;
  writeFileSync(path.join(work, 'tampered.zip'), tampered);
  await fails(
    ['dbsync', 'deploy', '--clone', 'clone', '--archive', path.join(work, 'tampered.zip')],
    2,
    'dbsync_archive_invalid',
  );
  // The refused deploy left the clone as it was.
  assert.deepEqual(await clone.query('SELECT author FROM field.note'), [{ author: 'me' }]);
});
