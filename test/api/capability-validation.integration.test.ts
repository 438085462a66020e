/**
 * Map servers that cannot do what a task needs are refused when the configuration is validated,
 * not only when its batch runs: security rules on a MapServer, a tile cache on a MapServer without
 * MapCache. Real MapServer connections (a mapfile path in a temp folder: validation reads only
 * the settings, it does not run mapserv), the built-in `local` and a GeoServer connection whose
 * server is never reached (settings only).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import { ApiClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

let server: TestServer;
let admin: ApiClient;
const connectionIds = new Map<string, string>();

async function addMapServer(name: string, type: string, config: Record<string, unknown>): Promise<void> {
  const created = await admin.request<{ id: string }>('POST', '/api/v1/connections', { name, type, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  connectionIds.set(name, created.body.id);
}

let counter = 0;
async function save(tasks: unknown[], attributes: Record<string, string> = {}): Promise<Configuration> {
  const body = { workspace: 'gis', name: `config-${++counter}`, tasks, attributes };
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

const securitySync = (target: string) => ({
  name: 'sync',
  type: 'LayerSecuritySync',
  parameters: { 'external-geoserver': target, layer: 'roads' },
});
const clearCache = (parameter: 'map-server' | 'external-geoserver', target: string) => ({
  name: 'clear',
  type: 'ClearCachedLayer',
  parameters: { [parameter]: target, layer: 'roads' },
});

before(async () => {
  server = await startTestServer();
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  assert.equal((await admin.request('POST', '/api/v1/workspaces', { name: 'gis' })).status, 201);
  const dir = makeTempDir('gs-capabilities-');
  const url = 'http://127.0.0.1:1/cgi-bin/mapserv';
  await addMapServer('ms', 'mapserver', { mapfile: path.join(dir, 'plain.map'), url });
  await addMapServer('ms-cached', 'mapserver', {
    mapfile: path.join(dir, 'cached.map'),
    url,
    mapcacheConfig: path.join(dir, 'mapcache.xml'),
  });
  await addMapServer('gs', 'geoserver', { url: 'http://127.0.0.1:1/geoserver', username: 'admin', password: 'pw' });
});

after(async () => {
  await server?.close();
});

test('LayerSecuritySync targeting a MapServer is saved with a problem at external-geoserver, not validated', async () => {
  const saved = await save([securitySync('ms')]);
  assert.equal(saved.validated, false);
  assert.deepEqual(
    saved.problems.map((p) => [p.code, p.location]),
    [['missing_capability', 'tasks.sync.external-geoserver']],
  );
  assert.match(saved.problems[0]!.message, /^Map server 'ms' has no per-layer security rules.*\(MapServer has none\)/);
  // The explicit validation says the same, and a batch of it is refused before it runs.
  const validated = await admin.request<Configuration>('POST', `/api/v1/configurations/${saved.id}/validate`);
  assert.equal(validated.status, 200);
  assert.deepEqual(validated.body.problems, saved.problems);
  const batch = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: saved.id,
    name: 'run',
    tasks: saved.tasks.map((t) => t.id),
  });
  assert.equal(batch.status, 201, JSON.stringify(batch.body));
  const run = await admin.request<{ code: string }>('POST', `/api/v1/batches/${batch.body.id}/run`);
  assert.equal(run.status, 400, JSON.stringify(run.body));
  assert.equal(run.body.code, 'not_validated');
});

test('LayerSecuritySync targeting a GeoServer connection or the built-in local has no problem', async () => {
  for (const target of ['gs', 'local']) {
    const saved = await save([securitySync(target)]);
    assert.deepEqual(saved.problems, [], target);
    assert.equal(saved.validated, true, target);
  }
});

test('pointing the task at a server that can do it clears the problem', async () => {
  const saved = await save([securitySync('${target}')], { target: 'ms' });
  assert.equal(saved.problems[0]?.location, 'tasks.sync.external-geoserver');
  const fixed = await admin.request<Configuration>('PATCH', `/api/v1/configurations/${saved.id}`, {
    attributes: { target: 'gs' },
  });
  assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
  assert.deepEqual(fixed.body.problems, []);
  assert.equal(fixed.body.validated, true);
});

test('the drop-down of a security target offers only map servers with security rules', async () => {
  const saved = await save([securitySync('${target}')]);
  const values = await admin.request<{ values: string[] | null }>(
    'GET',
    `/api/v1/configurations/${saved.id}/attributes/target/values`,
  );
  assert.equal(values.status, 200, JSON.stringify(values.body));
  assert.deepEqual(values.body.values, ['gs', 'local']);
});

test('the drop-down of a cache target offers MapServer only with MapCache', async () => {
  const saved = await save([clearCache('map-server', '${target}')]);
  const values = await admin.request<{ values: string[] | null }>(
    'GET',
    `/api/v1/configurations/${saved.id}/attributes/target/values`,
  );
  assert.deepEqual(values.body.values, ['gs', 'local', 'ms-cached']);
});

test('ClearCachedLayer on a MapServer without mapcacheConfig has a problem, with it none', async () => {
  for (const parameter of ['map-server', 'external-geoserver'] as const) {
    const plain = await save([clearCache(parameter, 'ms')]);
    assert.deepEqual(
      plain.problems.map((p) => [p.code, p.location]),
      [['missing_capability', `tasks.clear.${parameter}`]],
    );
    assert.match(plain.problems[0]!.message, /^Map server 'ms' has no tile cache.*mapcacheConfig/);
    assert.equal(plain.validated, false);
    const cached = await save([clearCache(parameter, 'ms-cached')]);
    assert.deepEqual(cached.problems, [], parameter);
    assert.equal(cached.validated, true);
  }
});

test('giving the MapServer a MapCache configuration, then validating, validates the configuration', async () => {
  const saved = await save([clearCache('external-geoserver', 'ms')]);
  assert.equal(saved.validated, false);
  const id = connectionIds.get('ms')!;
  const mapfile = (await admin.request<{ config: { mapfile: string } }>('GET', `/api/v1/connections/${id}`)).body.config
    .mapfile;
  const changed = await admin.request('PATCH', `/api/v1/connections/${id}`, {
    config: { mapfile, url: 'http://127.0.0.1:1/cgi-bin/mapserv', mapcacheConfig: mapfile.replace(/\.map$/, '.xml') },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const validated = await admin.request<Configuration>('POST', `/api/v1/configurations/${saved.id}/validate`);
  assert.deepEqual(validated.body.problems, []);
  assert.equal(validated.body.validated, true);
});
