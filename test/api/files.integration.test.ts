/** Browse and upload files of file-service connections, with the prepare script (guide: "Prepare script"). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

interface Problem {
  code: string;
  detail: string;
  errors?: { field?: string; message: string }[];
}
interface Entry {
  path: string;
  name: string;
  size: number;
  isDirectory: boolean;
}
interface Uploaded {
  connection: string;
  file: Entry;
  prepare?: { exitCode: number; stdout: string; stderr: string; truncated: boolean };
}

type UploadBody = string | Buffer | ReadableStream<Uint8Array>;

const LIMIT = 64 * 1024;
const SECRET_PROBE = `probe-${randomUUID()}`;

/** One prepare script whose behaviour the uploaded file's name picks. */
const PREPARE_SCRIPT = `#!/bin/sh
case "$(basename "$1")" in
  *fail*) echo "checking $(basename "$1")"; echo "ERROR 4: not a recognized raster" >&2; exit 3 ;;
  *slow*) sleep 30 ;;
  *remove*) rm "$1" ;;
  *loud*) i=0; while [ $i -lt 3000 ]; do echo "line $i of a chatty tool"; i=$((i+1)); done ;;
  *env*) echo "file=$1"; env ;;
  *) echo "preparing $(basename "$1")"; { printf 'prepared:'; cat "$1"; } > "$1.new" && mv "$1.new" "$1" ;;
esac
`;

let server: TestServer;
let unprepared: TestServer;
let localId: string;
let databaseId: string;
let restrictedId: string;
const tokens: Record<'admin' | 'plain' | 'editor', string> = { admin: '', plain: '', editor: '' };

async function tokenFor(s: TestServer, username: string, roles: string[]): Promise<string> {
  const user = await s.ctx.users.create({ username, password: 'password-123', displayName: '', email: null, roles });
  const principal = (await s.ctx.users.principalFor(user.id, 'token'))!;
  return (await s.ctx.tokens.create(principal, 'files', null)).token;
}

before(async () => {
  const scripts = makeTempDir('gs-prepare-');
  const script = path.join(scripts, 'prepare.sh');
  writeFileSync(script, PREPARE_SCRIPT);
  chmodSync(script, 0o755);
  process.env.GEOSYNC_SECRET_PROBE = SECRET_PROBE; // must not reach the script
  server = await startTestServer({
    settings: { files: { prepareScript: script, prepareTimeoutSeconds: 1, uploadLimitBytes: LIMIT } },
  });
  unprepared = await startTestServer();
  const { ctx } = server;
  const list = await ctx.connections.list(CLI_PRINCIPAL, { limit: 50, offset: 0 });
  localId = list.items.find((c) => c.kind === 'file_service' && c.name === 'local')!.id;
  databaseId = list.items.find((c) => c.kind === 'database')!.id;
  const restricted = await ctx.connections.create({
    name: 'restricted',
    type: 'local-files',
    description: '',
    config: { root: makeTempDir('gs-restricted-') },
    roles: ['editors'],
  });
  restrictedId = restricted.id;
  await ctx.roles.create('editors', 'may use the restricted file service');
  tokens.admin = await tokenFor(server, 'files-admin', ['admin']);
  tokens.plain = await tokenFor(server, 'files-plain', []);
  tokens.editor = await tokenFor(server, 'files-editor', ['editors']);
});
after(async () => {
  delete process.env.GEOSYNC_SECRET_PROBE;
  await server?.close();
  await unprepared?.close();
});

async function call<T>(
  method: string,
  url: string,
  options: { body?: UploadBody; token?: string; headers?: Record<string, string>; on?: TestServer } = {},
) {
  const response = await fetch((options.on ?? server).url + url, {
    method,
    headers: {
      authorization: `Bearer ${options.token ?? tokens.admin}`,
      ...(options.body !== undefined && { 'content-type': 'application/octet-stream' }),
      ...options.headers,
    },
    body: options.body,
    ...(options.body instanceof ReadableStream && { duplex: 'half' }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
const upload = (filePath: string, body: UploadBody, extra = '', options: Parameters<typeof call>[2] = {}) =>
  call<Uploaded & Problem>('PUT', `/api/v1/connections/${localId}/files?path=${encodeURIComponent(filePath)}${extra}`, {
    body,
    ...options,
  });
const filesRoot = () => path.join(server.dataDir, 'files');
const stored = (filePath: string) => path.join(filesRoot(), filePath);
const scratchLeft = () =>
  existsSync(path.join(server.dataDir, 'tmp')) ? readdirSync(path.join(server.dataDir, 'tmp')) : [];

test('upload streams the body as it is; list shows folders and files', async () => {
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
  const put = await upload('rasters/2024/dem.tif', bytes);
  assert.equal(put.status, 201, JSON.stringify(put.body));
  assert.deepEqual(put.body.file, { ...put.body.file, path: 'rasters/2024/dem.tif', name: 'dem.tif', size: 3000 });
  assert.deepEqual(readFileSync(stored('rasters/2024/dem.tif')), bytes);

  const root = await call<{ path: string; items: Entry[] }>('GET', `/api/v1/connections/${localId}/files`);
  assert.equal(root.status, 200);
  assert.deepEqual(
    root.body.items.map((e) => [e.path, e.isDirectory]),
    [['rasters', true]],
  );
  const folder = await call<{ connection: string; path: string; items: Entry[] }>(
    'GET',
    `/api/v1/connections/${localId}/files?path=rasters/2024/`,
  );
  assert.equal(folder.body.connection, 'local');
  assert.equal(folder.body.path, 'rasters/2024');
  assert.deepEqual(
    folder.body.items.map((e) => [e.name, e.size, e.isDirectory]),
    [['dem.tif', 3000, false]],
  );
});

test('an upload replaces a file; an empty body stores an empty file', async () => {
  await upload('notes/readme.txt', 'first');
  assert.equal((await upload('notes/readme.txt', 'second')).status, 201);
  assert.equal(readFileSync(stored('notes/readme.txt'), 'utf8'), 'second');
  const empty = await call<Uploaded>('PUT', `/api/v1/connections/${localId}/files?path=notes/empty.txt`);
  assert.equal(empty.status, 201);
  assert.equal(empty.body.file.size, 0);
});

test('prepare: the script changes the file, the changed file is stored, its output is returned', async () => {
  const put = await upload('prepared/roads.tif', 'raw', '&prepare=true');
  assert.equal(put.status, 201, JSON.stringify(put.body));
  assert.equal(readFileSync(stored('prepared/roads.tif'), 'utf8'), 'prepared:raw');
  assert.equal(put.body.file.size, 'prepared:raw'.length);
  assert.deepEqual((({ exitCode, stdout, truncated }) => ({ exitCode, stdout, truncated }))(put.body.prepare!), {
    exitCode: 0,
    stdout: 'preparing roads.tif\n',
    truncated: false,
  });
  assert.deepEqual(scratchLeft(), [], 'the spooled upload is removed');
});

test('prepare=false stores the file untouched', async () => {
  const put = await upload('prepared/plain.tif', 'raw', '&prepare=false');
  assert.equal(put.status, 201);
  assert.equal(put.body.prepare, undefined);
  assert.equal(readFileSync(stored('prepared/plain.tif'), 'utf8'), 'raw');
});

test('a failing prepare script: 400 with its exit code and output, nothing uploaded', async () => {
  const put = await upload('prepared/fail.tif', 'raw', '&prepare=true');
  assert.equal(put.status, 400);
  assert.equal(put.body.code, 'prepare_failed');
  assert.match(put.body.detail, /exit code 3; nothing was uploaded/);
  assert.match(put.body.detail, /ERROR 4: not a recognized raster\nchecking fail.tif/);
  assert.equal(existsSync(stored('prepared/fail.tif')), false);
  assert.deepEqual(scratchLeft(), []);
});

test('a prepare script that runs too long is killed with its children; nothing uploaded', async () => {
  const started = performance.now();
  const put = await upload('prepared/slow.tif', 'raw', '&prepare=true');
  const took = performance.now() - started;
  assert.equal(put.status, 400);
  assert.equal(put.body.code, 'prepare_timed_out');
  assert.match(put.body.detail, /did not finish within 1 s and was stopped/);
  // `sleep 30` is the script's child: had it survived, it would hold the output pipe open for 30 s.
  assert.ok(took < 5000, `answered after ${took.toFixed(0)} ms`);
  assert.equal(existsSync(stored('prepared/slow.tif')), false);
});

test('a prepare script that removes the file: nothing uploaded, said plainly', async () => {
  const put = await upload('prepared/remove.tif', 'raw', '&prepare=true');
  assert.equal(put.status, 400);
  assert.equal(put.body.code, 'prepare_failed');
  assert.match(put.body.detail, /removed the uploaded file/);
});

test('long script output comes back truncated to its end', async () => {
  const put = await upload('prepared/loud.tif', 'raw', '&prepare=true');
  assert.equal(put.status, 201);
  assert.equal(put.body.prepare!.truncated, true);
  assert.ok(put.body.prepare!.stdout.length <= 8192);
  assert.match(put.body.prepare!.stdout, /line 2999 of a chatty tool\n$/);
});

test("the script gets neither geosync's environment nor the server's folder layout", async () => {
  const put = await upload('prepared/env.tif', 'raw', '&prepare=true');
  assert.equal(put.status, 201);
  const { stdout } = put.body.prepare!;
  assert.match(stdout, /^file=env\.tif$/m);
  assert.ok(!stdout.includes(SECRET_PROBE), 'environment variables of geosync are not passed on');
  assert.ok(!stdout.includes(server.dataDir), 'the data folder is not shown');
});

test('prepare without a configured script: 400 before anything is read or stored', async () => {
  const list = await unprepared.ctx.connections.list(CLI_PRINCIPAL, { limit: 50, offset: 0 }, 'file_service');
  const token = await tokenFor(unprepared, 'np-admin', ['admin']);
  const put = await call<Problem>('PUT', `/api/v1/connections/${list.items[0]!.id}/files?path=a.tif&prepare=true`, {
    body: 'raw',
    token,
    on: unprepared,
  });
  assert.equal(put.status, 400);
  assert.equal(put.body.code, 'prepare_not_configured');
  assert.equal(existsSync(path.join(unprepared.dataDir, 'files', 'a.tif')), false);
});

test('paths leaving the root are refused, for upload and list', async () => {
  for (const bad of ['../escaped.txt', '/etc/escaped.txt', 'a/../../escaped.txt', 'x\0y']) {
    const put = await upload(bad, 'x');
    assert.equal(put.status, 400, bad);
    assert.equal(put.body.code, 'path_outside_root', bad);
    const list = await call<Problem>('GET', `/api/v1/connections/${localId}/files?path=${encodeURIComponent(bad)}`);
    assert.equal(list.body.code, 'path_outside_root', bad);
  }
  assert.equal(existsSync(path.join(server.dataDir, 'escaped.txt')), false);
  const root = await upload('.', 'x');
  assert.equal(root.status, 400);
  assert.equal(root.body.errors?.[0]?.field, 'path');
});

test('a missing connection, or one that is no file service, is 404; a missing folder too', async () => {
  for (const id of [randomUUID(), databaseId]) {
    assert.equal((await call<Problem>('GET', `/api/v1/connections/${id}/files`)).status, 404);
    const put = await call<Problem>('PUT', `/api/v1/connections/${id}/files?path=a.txt`, { body: 'x' });
    assert.equal(put.status, 404);
    assert.equal(put.body.code, 'not_found');
  }
  const missing = await call<Problem>('GET', `/api/v1/connections/${localId}/files?path=no/such/folder`);
  assert.deepEqual([missing.status, missing.body.code], [404, 'file_not_found']);
  assert.equal((await call<Problem>('GET', '/api/v1/connections/not-a-uuid/files')).status, 400);
});

test('unknown or malformed query parameters are refused, naming them', async () => {
  const unknown = await call<Problem>('GET', `/api/v1/connections/${localId}/files?path=&recursive=true`);
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.code, 'invalid_input');
  assert.ok(unknown.body.errors?.some((e) => e.field === 'query.recursive'));
  const noPath = await call<Problem>('PUT', `/api/v1/connections/${localId}/files`, { body: 'x' });
  assert.ok(noPath.body.errors?.some((e) => e.field === 'query.path'));
  const badPrepare = await upload('a.txt', 'x', '&prepare=yes');
  assert.ok(badPrepare.body.errors?.some((e) => e.field === 'query.prepare'));
  const extra = await upload('a.txt', 'x', '&overwrite=false');
  assert.ok(extra.body.errors?.some((e) => e.field === 'query.overwrite'));
  assert.equal(existsSync(stored('a.txt')), false);
});

test('a body over the limit is refused with 413, by its declared length or by counting', async () => {
  const declared = await upload('big/declared.bin', Buffer.alloc(LIMIT + 1));
  assert.equal(declared.status, 413);
  assert.equal(declared.body.code, 'body_too_large');
  // Chunked: no length is declared, so the bytes are counted as they arrive.
  const chunk = new Uint8Array(16 * 1024);
  let sent = 0;
  const chunked = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent > LIMIT + chunk.length) controller.close();
      else controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
  const counted = await upload('big/chunked.bin', chunked);
  assert.equal(counted.status, 413);
  assert.equal(counted.body.code, 'body_too_large');
  // The service creates the folder before the first byte; the file and its partial copy are gone.
  assert.deepEqual(readdirSync(stored('big')), [], 'nothing stored, not even a partial file');
  assert.equal((await upload('big/exact.bin', Buffer.alloc(LIMIT))).status, 201, 'exactly the limit is fine');
});

test("a connection's roles decide who may list and upload; others get 404", async () => {
  const url = `/api/v1/connections/${restrictedId}/files`;
  for (const token of [tokens.plain]) {
    assert.equal((await call<Problem>('GET', url, { token })).status, 404);
    assert.equal((await call<Problem>('PUT', `${url}?path=a.txt`, { body: 'x', token })).status, 404);
  }
  assert.equal((await call<Problem>('PUT', `${url}?path=a.txt`, { body: 'x', token: tokens.editor })).status, 201);
  const listed = await call<{ items: Entry[] }>('GET', url, { token: tokens.editor });
  assert.deepEqual(
    listed.body.items.map((e) => e.name),
    ['a.txt'],
  );
  assert.equal((await call<Problem>('GET', url)).status, 200, 'admins may use every connection');
  assert.equal((await call<Problem>('PUT', `${url}?path=a.txt`, { body: 'x', token: 'gs_wrong' })).status, 401);
});
