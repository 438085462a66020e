/** The CLI as a user runs it: a real process, --json output, exit codes (docs/cli.md). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const BIN = fileURLToPath(new URL('../../bin/geosync.js', import.meta.url));
let database: TestDatabase;
let dataDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown> & { error?: { code: string } };
}

function geosync(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        GEOSYNC_DATA_DIR: dataDir,
        GEOSYNC_STORE_URL: database.url,
        GEOSYNC_ADMIN_PASSWORD: 'cli-admin-pass',
        ...options.env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: () => JSON.parse(stdout) as never }));
    child.stdin.end(options.stdin ?? '');
  });
}

before(async () => {
  database = await createTestDatabase('cli');
  dataDir = makeTempDir('gs-cli-');
});
after(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('migrate, then it is up to date', async () => {
  const first = await geosync(['migrate', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const second = await geosync(['migrate', '--json']);
  assert.deepEqual(second.json().applied, []);
});

test('user add | list | passwd', async () => {
  const added = await geosync(['user', 'add', 'alice', '--password-stdin', '--role', 'admin', '--json'], {
    stdin: 'alice-password-1\n',
  });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(added.json().username, 'alice');
  assert.ok(!added.stdout.includes('alice-password-1'), 'a given password is not echoed');
  const again = await geosync(['user', 'add', 'alice', '--password-stdin', '--json'], { stdin: 'alice-password-1\n' });
  assert.equal(again.code, 4);
  assert.equal(again.json().error?.code, 'username_taken');
  const weak = await geosync(['user', 'add', 'bob', '--password-stdin'], { stdin: 'short\n' });
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /8 to 1000 characters/);
  const list = await geosync(['user', 'list', '--json']);
  const names = (list.json() as unknown as { username: string }[]).map((u) => u.username).sort();
  assert.deepEqual(names, ['admin', 'alice']);
  const passwd = await geosync(['user', 'passwd', 'alice', '--json']);
  assert.equal(passwd.code, 0);
  assert.equal(typeof passwd.json().generatedPassword, 'string');
  assert.equal((await geosync(['user', 'passwd', 'nobody'])).code, 3);
});

test('connection add | list | test | remove', async () => {
  const root = makeTempDir('gs-cli-files-');
  const added = await geosync([
    'connection',
    'add',
    'exports',
    '--type',
    'local-files',
    '--set',
    `root=${root}`,
    '--json',
  ]);
  assert.equal(added.code, 0, added.stderr);
  const list = await geosync(['connection', 'list', '--kind', 'file_service', '--json']);
  assert.deepEqual((list.json() as unknown as { name: string }[]).map((c) => c.name).sort(), ['exports', 'local']);
  const tested = await geosync(['connection', 'test', 'exports', '--json']);
  assert.equal(tested.code, 0, tested.stdout);
  assert.equal(tested.json().ok, true);
  const ambiguous = await geosync(['connection', 'test', 'local']);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /give the kind/);
  const failing = await geosync(
    [
      'connection',
      'add',
      'down',
      '--type',
      'postgis',
      '--set',
      'host=127.0.0.1',
      '--set',
      'port=1',
      '--set',
      'database=x',
      '--set',
      'user=x',
      '--secret-stdin',
      'password',
      '--json',
    ],
    { stdin: 'pw-never-shown\n' },
  );
  assert.equal(failing.code, 0, failing.stderr);
  const down = await geosync(['connection', 'test', 'down', '--json']);
  assert.equal(down.code, 6);
  assert.equal(down.json().ok, false);
  assert.ok(!(down.stdout + down.stderr).includes('pw-never-shown'));
  assert.equal((await geosync(['connection', 'remove', 'exports'])).code, 0);
  assert.equal((await geosync(['connection', 'remove', 'exports'])).code, 3);
  assert.equal((await geosync(['connection', 'remove', 'local', '--kind', 'database'])).code, 4);
});

test('bad input: unknown type, bad settings, bad kind, unknown command, bad settings file', async () => {
  const badType = await geosync(['connection', 'add', 'x', '--type', 'printer', '--json']);
  assert.equal(badType.code, 2);
  assert.equal(badType.json().error?.code, 'unknown_connection_type');
  const badSetting = await geosync(['connection', 'add', 'x', '--type', 'local-files', '--set', 'nonsense']);
  assert.equal(badSetting.code, 2);
  assert.equal((await geosync(['connection', 'list', '--kind', 'printer'])).code, 2);
  assert.equal((await geosync(['frobnicate'])).code, 2);
  const badEnv = await geosync(['user', 'list'], { env: { GEOSYNC_SERVER_PORT: 'eighty' } });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /server\.port/);
});
