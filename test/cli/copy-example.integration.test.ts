/**
 * The README's "A first copy", as a user types it: a PostGIS source added with the CLI,
 * docs/examples/copy-roads.yaml imported, its batch run in process; then the copied table and
 * its view are checked in the store. Real processes, real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import pg from 'pg';

import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/geosync.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../docs/examples/copy-roads.yaml', import.meta.url));
let store: TestDatabase;
let city: TestDatabase;
let dataDir: string;

function geosync(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
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
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

before(async () => {
  [store, city] = await Promise.all([createTestDatabase('cliexstore'), createTestDatabase('cliexcity')]);
  dataDir = makeTempDir('gs-cli-example-');
  const pool = new pg.Pool({ connectionString: city.url });
  // A backend the database drop ends while the pool is closing must not become an uncaught error.
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE roads (id int PRIMARY KEY, name text, open boolean, geom geometry(LineString,31370));
    INSERT INTO roads SELECT i, 'road ' || i, i % 2 = 0, ST_SetSRID(ST_MakeLine(ST_MakePoint(i, 0), ST_MakePoint(i, 1)), 31370)
      FROM generate_series(1, 50) AS i`);
  await pool.end();
});
after(async () => {
  await store?.drop();
  await city?.drop();
});

test('README: add the source, import the example, run its batch; the copy and its view are in the store', async () => {
  assert.equal((await geosync(['migrate'])).code, 0);
  const u = new URL(city.url);
  const added = await geosync([
    'connection',
    'add',
    'city',
    '--type',
    'postgis',
    '--set',
    `host=${u.hostname}`,
    '--set',
    `port=${u.port}`,
    '--set',
    `database=${u.pathname.slice(1)}`,
    '--set',
    `user=${u.username}`,
    '--set',
    'sslMode=disable',
  ]);
  assert.equal(added.code, 0, added.stderr);
  const workspace = await geosync(['workspace', 'add', 'gis']);
  assert.equal(workspace.code, 0, workspace.stderr);
  const listed = await geosync(['workspace', 'list', '--json']);
  assert.deepEqual(
    (JSON.parse(listed.stdout) as { name: string }[]).map((w) => w.name),
    ['gis'],
  );
  assert.equal((await geosync(['workspace', 'add', 'gis'])).code, 4, 'a second gis: conflict');
  const imported = await geosync(['configuration', 'import', EXAMPLE, '--workspace', 'gis', '--json']);
  assert.equal(imported.code, 0, imported.stderr + imported.stdout);
  const batches = await geosync(['batch', 'list', '--workspace', 'gis', '--json']);
  const nightly = (JSON.parse(batches.stdout) as { id: string; name: string }[]).find((b) => b.name === 'nightly');
  assert.ok(nightly, batches.stdout);
  const run = await geosync(['batch', 'run', nightly.id]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /committed/);
  const pool = new pg.Pool({ connectionString: store.url });
  pool.on('error', () => undefined);
  const open = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM open_roads');
  await pool.end();
  assert.equal(open.rows[0]?.n, 25);
});
