/** `geosync metadata-template ...` as a user runs it: a real process, --json output, exit codes (docs/cli.md). */
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
  json: <T = Record<string, unknown> & { error?: { code: string; details?: { field?: string }[] } }>() => T;
}

function geosync(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        GEOSYNC_DATA_DIR: dataDir,
        GEOSYNC_STORE_URL: database.url,
        GEOSYNC_ADMIN_PASSWORD: 'cli-admin-pass',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
    child.stdin.end();
  });
}

interface Template {
  name: string;
  title: string | null;
  abstract: string | null;
  keywords: string[];
  metadataLinks: { href: string; type: string; format: string }[];
  links: { mapServer: string; workspace: string | null; layer: string }[];
}

before(async () => {
  database = await createTestDatabase('cli_mt');
  dataDir = makeTempDir('gs-cli-mt-');
  assert.equal((await geosync(['workspace', 'add', 'gis'])).code, 0);
});
after(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('create | show | update | link | unlink | list | delete', async () => {
  const created = await geosync([
    'metadata-templates',
    'create',
    'gis/roads',
    '--title',
    'Roads',
    '--keyword',
    'transport',
    '--keyword',
    'roads',
    '--metadata-link',
    'https://csw.example.org/?id=a,b,ISO19115:2003,text/xml',
    '--json',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const body = created.json<Template>();
  assert.deepEqual([body.title, body.keywords], ['Roads', ['transport', 'roads']]);
  assert.deepEqual(body.metadataLinks, [
    { href: 'https://csw.example.org/?id=a,b', type: 'ISO19115:2003', format: 'text/xml' },
  ]);

  const linked = await geosync(['metadata-template', 'link', 'roads', 'topo:roads', '--json']);
  assert.equal(linked.code, 0, linked.stderr);
  assert.deepEqual(
    linked.json<Template>().links.map(({ mapServer, workspace, layer }) => [mapServer, workspace, layer]),
    [['local', 'topo', 'roads']],
  );
  assert.equal((await geosync(['metadata-template', 'link', 'gis/roads', 'rivers', '--map-server', 'local'])).code, 0);

  const updated = await geosync([
    'metadata-template',
    'update',
    'gis/roads',
    '--no-title',
    '--abstract',
    'All the roads',
    '--json',
  ]);
  assert.equal(updated.code, 0, updated.stderr);
  assert.deepEqual(
    [updated.json<Template>().title, updated.json<Template>().abstract, updated.json<Template>().keywords],
    [null, 'All the roads', ['transport', 'roads']],
  );

  const shown = await geosync(['metadata-template', 'show', 'gis/roads']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /abstract: All the roads/);
  assert.match(shown.stdout, /local\s+topo\s+roads/);

  const list = await geosync(['metadata-template', 'list', '--json']);
  assert.deepEqual(
    list.json<{ name: string; linkCount: number }[]>().map((t) => [t.name, t.linkCount]),
    [['roads', 2]],
  );

  assert.equal((await geosync(['metadata-template', 'unlink', 'roads', 'rivers'])).code, 0);
  const refused = await geosync(['metadata-template', 'delete', 'roads', '--json']);
  assert.equal(refused.code, 4);
  assert.equal(refused.json().error?.code, 'metadata_template_in_use');
  const deleted = await geosync(['metadata-template', 'delete', 'roads', '--force', '--json']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.deepEqual(deleted.json(), { removed: true, unlinked: 1 });
  assert.equal((await geosync(['metadata-template', 'show', 'roads'])).code, 3);
});

test('bad input: clear errors and exit codes, nothing created', async () => {
  const noName = await geosync(['metadata-template', 'create', 'gis', '--json']);
  assert.equal(noName.code, 2);
  assert.match(noName.json().error?.code ?? '', /invalid_input/);
  const badLink = await geosync([
    'metadata-template',
    'create',
    'gis/x',
    '--metadata-link',
    'https://a.example',
    '--json',
  ]);
  assert.equal(badLink.code, 2);
  assert.equal(badLink.json().error?.details?.[0]?.field, 'metadataLinks');
  const badUrl = await geosync(['metadata-template', 'create', 'gis/x', '--metadata-link', 'nope,TC211,text/xml']);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /metadataLinks\.0\.href/);
  const noWorkspace = await geosync(['metadata-template', 'create', 'nowhere/x']);
  assert.equal(noWorkspace.code, 3);
  assert.match(noWorkspace.stderr, /Workspace 'nowhere' does not exist/);
  assert.deepEqual((await geosync(['metadata-template', 'list', '--json'])).json(), []);

  assert.equal((await geosync(['metadata-template', 'create', 'gis/dup'])).code, 0);
  const dup = await geosync(['metadata-template', 'create', 'gis/dup', '--json']);
  assert.equal(dup.code, 4);
  assert.equal(dup.json().error?.code, 'metadata_template_exists');
  const unknown = await geosync(['metadata-template', 'link', 'nope', 'roads']);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /Metadata template 'nope' does not exist/);
  const badServer = await geosync(['metadata-template', 'link', 'dup', 'roads', '--map-server', 'nope', '--json']);
  assert.equal(badServer.code, 2);
  assert.equal(badServer.json().error?.code, 'connection_not_found');
  const badLayer = await geosync(['metadata-template', 'link', 'dup', 'a:b:c']);
  assert.equal(badLayer.code, 2);
  assert.match(badLayer.stderr, /layer/);
  const notLinked = await geosync(['metadata-template', 'unlink', 'dup', 'roads']);
  assert.equal(notLinked.code, 3);
  assert.match(notLinked.stderr, /not linked/);
});
