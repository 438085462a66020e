/** `geosync file list|upload` as a user runs it: a real process, --json, exit codes (docs/cli.md). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/geosync.js', import.meta.url));
let database: TestDatabase;
let dataDir: string;
let work: string;
let script: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown> & { error?: { code: string; message: string } };
}

function geosync(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const settings: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      GEOSYNC_DATA_DIR: dataDir,
      GEOSYNC_STORE_URL: database.url,
      GEOSYNC_ADMIN_PASSWORD: 'cli-admin-pass',
      GEOSYNC_FILES_PREPARE_SCRIPT: script,
      GEOSYNC_FILES_PREPARE_TIMEOUT_SECONDS: '1',
      ...env,
    };
    // An empty value in `env` means: leave the variable out.
    const child = spawn(process.execPath, [BIN, ...args], {
      env: Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== '')),
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

/** A local file to upload, named so the prepare script below knows what to do with it. */
function localFile(name: string, content: string): string {
  const file = path.join(work, name);
  writeFileSync(file, content);
  return file;
}
const stored = (filePath: string) => path.join(dataDir, 'files', filePath);

before(async () => {
  database = await createTestDatabase('clifile');
  dataDir = makeTempDir('gs-cli-file-');
  work = makeTempDir('gs-cli-file-work-');
  script = path.join(work, 'prepare.sh');
  writeFileSync(
    script,
    `#!/bin/sh
case "$(basename "$1")" in
  *fail*) echo "ERROR 4: not a recognized raster" >&2; exit 3 ;;
  *slow*) sleep 30 ;;
  *) echo "preparing $(basename "$1")"; { printf 'prepared:'; cat "$1"; } > "$1.new" && mv "$1.new" "$1" ;;
esac
`,
  );
  chmodSync(script, 0o755);
});
after(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('upload then list, as JSON and as a table', async () => {
  const up = await geosync(['file', 'upload', 'local', localFile('dem.tif', 'raster'), 'rasters/dem.tif', '--json']);
  assert.equal(up.code, 0, up.stderr);
  assert.deepEqual(up.json().file, { ...(up.json().file as object), path: 'rasters/dem.tif', size: 6 });
  assert.equal(readFileSync(stored('rasters/dem.tif'), 'utf8'), 'raster');

  const root = await geosync(['file', 'list', 'local', '--json']);
  assert.equal(root.code, 0, root.stderr);
  assert.deepEqual(
    (root.json().items as { path: string; isDirectory: boolean }[]).map((e) => [e.path, e.isDirectory]),
    [['rasters', true]],
  );
  const table = await geosync(['file', 'list', 'local', 'rasters']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^NAME\s+SIZE\s+MODIFIED\ndem\.tif\s+6\s+\d{4}-/);
});

test('upload --prepare stores what the script made and shows its output', async () => {
  const up = await geosync([
    'file',
    'upload',
    'local',
    localFile('roads.tif', 'raw'),
    'prepared/roads.tif',
    '--prepare',
  ]);
  assert.equal(up.code, 0, up.stderr);
  assert.match(
    up.stdout,
    /Prepare script done in \d+ ms:\npreparing roads\.tif\nUploaded prepared\/roads\.tif \(12 bytes\) to local/,
  );
  assert.equal(readFileSync(stored('prepared/roads.tif'), 'utf8'), 'prepared:raw');
});

test('a failing or timed-out prepare script: exit 6, its output in the error, nothing uploaded', async () => {
  const failed = await geosync([
    'file',
    'upload',
    'local',
    localFile('fail.tif', 'x'),
    'p/fail.tif',
    '--prepare',
    '--json',
  ]);
  assert.equal(failed.code, 6);
  assert.equal(failed.json().error?.code, 'prepare_failed');
  assert.match(failed.json().error?.message ?? '', /exit code 3.*ERROR 4: not a recognized raster/s);
  const slow = await geosync(['file', 'upload', 'local', localFile('slow.tif', 'x'), 'p/slow.tif', '--prepare']);
  assert.equal(slow.code, 6);
  assert.match(slow.stderr, /did not finish within 1 s/);
  assert.equal(existsSync(stored('p')), false);
});

test('--prepare without a configured script: exit 2', async () => {
  const run = await geosync(['file', 'upload', 'local', localFile('a.tif', 'x'), 'a.tif', '--prepare', '--json'], {
    GEOSYNC_FILES_PREPARE_SCRIPT: '',
  });
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.equal(run.json().error?.code, 'prepare_not_configured');
  assert.equal(existsSync(stored('a.tif')), false);
});

test('bad input: a path leaving the root, a missing connection or local file, an unknown option', async () => {
  const file = localFile('ok.txt', 'x');
  const outside = await geosync(['file', 'upload', 'local', file, '../escaped.txt', '--json']);
  assert.deepEqual([outside.code, outside.json().error?.code], [2, 'path_outside_root']);
  assert.equal(existsSync(path.join(dataDir, 'escaped.txt')), false);
  const listOutside = await geosync(['file', 'list', 'local', '/etc', '--json']);
  assert.deepEqual([listOutside.code, listOutside.json().error?.code], [2, 'path_outside_root']);
  const noConnection = await geosync(['file', 'list', 'nowhere', '--json']);
  assert.deepEqual([noConnection.code, noConnection.json().error?.code], [3, 'not_found']);
  const noFolder = await geosync(['file', 'list', 'local', 'no/such/dir', '--json']);
  assert.deepEqual([noFolder.code, noFolder.json().error?.code], [3, 'file_not_found']);
  const noLocal = await geosync(['file', 'upload', 'local', path.join(work, 'missing.tif'), 'm.tif', '--json']);
  assert.deepEqual([noLocal.code, noLocal.json().error?.code], [2, 'local_file_not_found']);
  const unknown = await geosync(['file', 'upload', 'local', file, 'x.txt', '--overwrite']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option '--overwrite'/);
});
