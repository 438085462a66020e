/**
 * Metadata templates over REST: create, read, change, link and unlink layers, delete (refused with
 * links unless forced); the workspace permissions (read to see, admin to change); bad input gets a
 * problem+json naming the field and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import type { MetadataTemplate } from '../../src/contracts/metadata-templates.dto.ts';
import { ApiClient, type HttpResponse } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: ApiClient;
const callers = {} as Record<'reader' | 'writer' | 'wsadmin' | 'outsider', ApiClient>;

const BASE = '/api/v1/metadata-templates';
const roadsLink = { href: 'https://csw.example.org/?id=roads', type: 'ISO19115:2003', format: 'text/xml' };

function assertProblem(response: HttpResponse, status: number, code: string, field?: string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = response.body as { code: string; detail: string; errors?: { field?: string }[] };
  assert.equal(body.code, code, JSON.stringify(body));
  assert.ok(body.detail.length > 0);
  if (field) {
    assert.ok(
      body.errors?.some((e) => e.field === field),
      `names ${field}: ${JSON.stringify(body.errors)}`,
    );
  }
}

const templateCount = async () => (await server.ctx.db.selectFrom('metadata_templates').select('id').execute()).length;
const linkCount = async () => (await server.ctx.db.selectFrom('metadata_template_links').select('id').execute()).length;

async function create(client: ApiClient, body: Record<string, unknown>): Promise<HttpResponse<MetadataTemplate>> {
  return client.request<MetadataTemplate>('POST', BASE, body);
}

before(async () => {
  server = await startTestServer();
  const { ctx } = server;
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  const ws = await ctx.workspaces.create(CLI_PRINCIPAL, 'gis', '');
  await ctx.workspaces.create(CLI_PRINCIPAL, 'other', '');
  const grants = [];
  for (const caller of ['reader', 'writer', 'wsadmin', 'outsider'] as const) {
    const user = await ctx.users.create({
      username: caller,
      password: 'password-123',
      displayName: '',
      email: null,
      roles: [],
    });
    const principal = (await ctx.users.principalFor(user.id, 'token'))!;
    callers[caller] = new ApiClient(server.url);
    callers[caller].bearer = (await ctx.tokens.create(principal, 'test', null)).token;
    const level = { reader: 'read', writer: 'write', wsadmin: 'admin', outsider: undefined }[caller];
    if (level) grants.push({ user: caller, level: level as 'read' });
  }
  await ctx.workspaces.setGrants(CLI_PRINCIPAL, ws.id, grants);
});
after(async () => {
  await server?.close();
});

test('create, read, change, link, unlink and delete a template', async () => {
  const created = await create(admin, {
    workspace: 'gis',
    name: 'roads-template',
    title: 'Roads',
    keywords: ['transport', 'roads'],
    metadataLinks: [roadsLink],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  assert.deepEqual(
    [created.body.workspace, created.body.title, created.body.abstract, created.body.keywords, created.body.links],
    ['gis', 'Roads', null, ['transport', 'roads'], []],
  );
  assert.deepEqual(created.body.metadataLinks, [roadsLink]);

  const linked = await admin.request<MetadataTemplate>('POST', `${BASE}/${id}/links`, {
    mapServer: 'local',
    layer: 'roads',
  });
  assert.equal(linked.status, 201, JSON.stringify(linked.body));
  const second = await admin.request<MetadataTemplate>('POST', `${BASE}/${id}/links`, {
    mapServer: 'local',
    workspace: 'topo',
    layer: 'roads',
  });
  assert.deepEqual(
    second.body.links.map((l) => [l.mapServer, l.workspace, l.layer]),
    [
      ['local', null, 'roads'],
      ['local', 'topo', 'roads'],
    ],
  );

  const changed = await admin.request<MetadataTemplate>('PATCH', `${BASE}/${id}`, {
    title: null,
    abstract: 'All the roads',
    name: 'roads',
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.deepEqual([changed.body.name, changed.body.title, changed.body.abstract], ['roads', null, 'All the roads']);
  assert.deepEqual(changed.body.keywords, ['transport', 'roads'], 'fields not given are kept');

  const list = await admin.request<{ items: { name: string; linkCount: number }[]; total: number }>(
    'GET',
    `${BASE}?workspace=gis`,
  );
  assert.deepEqual(
    list.body.items.map((t) => [t.name, t.linkCount]),
    [['roads', 2]],
  );

  const unlinked = await admin.request<MetadataTemplate>(
    'DELETE',
    `${BASE}/${id}/links?mapServer=local&workspace=topo&layer=roads`,
  );
  assert.equal(unlinked.status, 200, JSON.stringify(unlinked.body));
  assert.equal(unlinked.body.links.length, 1);

  assertProblem(await admin.request('DELETE', `${BASE}/${id}`), 409, 'metadata_template_in_use', 'force');
  assert.equal(await templateCount(), 1, 'a refused delete keeps the template');
  const forced = await admin.request('DELETE', `${BASE}/${id}?force=true`);
  assert.deepEqual(forced.body, { removed: true, unlinked: 1 });
  assert.equal(await linkCount(), 0, 'the links went with it');
  assertProblem(await admin.request('GET', `${BASE}/${id}`), 404, 'metadata_template_not_found');
});

test('a template without links is deleted without force', async () => {
  const created = await create(admin, { workspace: 'gis', name: 'empty' });
  assert.equal(created.status, 201);
  const removed = await admin.request('DELETE', `${BASE}/${created.body.id}`);
  assert.deepEqual(removed.body, { removed: true, unlinked: 0 });
});

test('bad input: invalid JSON, missing and unknown fields, duplicates, unknown template, bad links', async () => {
  const created = await create(admin, { workspace: 'gis', name: 'bad-input' });
  const id = created.body.id;
  const [templates, links] = [await templateCount(), await linkCount()];

  assertProblem(await admin.request('POST', BASE, '{"workspace": "gis",'), 400, 'invalid_json');
  assertProblem(await create(admin, { workspace: 'gis' }), 400, 'invalid_input', 'name');
  assertProblem(await create(admin, { workspace: 'gis', name: 'x', colour: 'red' }), 400, 'invalid_input');
  assertProblem(await create(admin, { workspace: 'gis', name: '1 bad name' }), 400, 'invalid_input', 'name');
  assertProblem(
    await create(admin, {
      workspace: 'gis',
      name: 'x',
      metadataLinks: [{ href: 'not a url', type: 'TC211', format: 'text/xml' }],
    }),
    400,
    'invalid_input',
    'metadataLinks.0.href',
  );
  assertProblem(
    await create(admin, { workspace: 'gis', name: 'x', keywords: [''] }),
    400,
    'invalid_input',
    'keywords.0',
  );
  assertProblem(await create(admin, { workspace: 'nowhere', name: 'x' }), 404, 'not_found');
  assertProblem(await create(admin, { workspace: 'gis', name: 'bad-input' }), 409, 'metadata_template_exists');

  const unknown = '00000000-0000-4000-8000-000000000000';
  assertProblem(await admin.request('GET', `${BASE}/${unknown}`), 404, 'metadata_template_not_found');
  assertProblem(await admin.request('PATCH', `${BASE}/${unknown}`, { title: 'x' }), 404, 'metadata_template_not_found');
  assertProblem(await admin.request('GET', `${BASE}/not-a-uuid`), 400, 'invalid_input', 'params.id');
  assertProblem(
    await admin.request('POST', `${BASE}/${unknown}/links`, { mapServer: 'local', layer: 'roads' }),
    404,
    'metadata_template_not_found',
  );

  assertProblem(
    await admin.request('POST', `${BASE}/${id}/links`, { mapServer: 'no-such-server', layer: 'roads' }),
    400,
    'connection_not_found',
    'mapServer',
  );
  assertProblem(
    await admin.request('POST', `${BASE}/${id}/links`, { mapServer: 'local', layer: 'topo:roads' }),
    400,
    'invalid_input',
    'layer',
  );
  assertProblem(
    await admin.request('POST', `${BASE}/${id}/links`, { mapServer: 'local' }),
    400,
    'invalid_input',
    'layer',
  );
  await admin.request('POST', `${BASE}/${id}/links`, { mapServer: 'local', layer: 'roads' });
  assertProblem(
    await admin.request('POST', `${BASE}/${id}/links`, { mapServer: 'local', layer: 'roads' }),
    409,
    'metadata_template_link_exists',
  );
  assertProblem(
    await admin.request('DELETE', `${BASE}/${id}/links?mapServer=local&layer=rivers`),
    404,
    'metadata_template_link_not_found',
  );
  assertProblem(
    await admin.request('DELETE', `${BASE}/${id}/links?layer=roads`),
    400,
    'invalid_input',
    'query.mapServer',
  );
  assertProblem(
    await admin.request('PATCH', `${BASE}/${id}`, { keywords: 'one,two' }),
    400,
    'invalid_input',
    'keywords',
  );

  assert.equal(await templateCount(), templates + 0, 'no template was created by bad input');
  assert.equal(await linkCount(), links + 1, 'only the one good link was added');
  await admin.request('DELETE', `${BASE}/${id}?force=true`);
});

test('workspace permissions: read to see, admin to change; other workspaces stay hidden', async () => {
  const created = await create(admin, { workspace: 'gis', name: 'shared', title: 'Shared' });
  const id = created.body.id;
  const elsewhere = await create(admin, { workspace: 'other', name: 'hidden' });

  const names = async (client: ApiClient, query = '') =>
    (await client.request<{ items: { name: string }[] }>('GET', BASE + query)).body.items.map((t) => t.name);
  const ofGis = await names(admin, '?workspace=gis');
  assert.ok(ofGis.includes('shared') && (await names(admin)).includes('hidden'));
  for (const caller of ['reader', 'writer'] as const) {
    const client = callers[caller];
    assert.deepEqual(await names(client), ofGis, `${caller} sees the templates of gis only`);
    assert.equal((await client.request('GET', `${BASE}/${id}`)).status, 200);
    assertProblem(await create(client, { workspace: 'gis', name: 'mine' }), 403, 'forbidden');
    assertProblem(await client.request('PATCH', `${BASE}/${id}`, { title: 'Mine' }), 403, 'forbidden');
    assertProblem(
      await client.request('POST', `${BASE}/${id}/links`, { mapServer: 'local', layer: 'roads' }),
      403,
      'forbidden',
    );
    assertProblem(await client.request('DELETE', `${BASE}/${id}`), 403, 'forbidden');
    assertProblem(await client.request('GET', `${BASE}/${elsewhere.body.id}`), 404, 'metadata_template_not_found');
  }

  const outsider = callers.outsider;
  assert.deepEqual((await outsider.request<{ items: unknown[] }>('GET', BASE)).body.items, []);
  assertProblem(await outsider.request('GET', `${BASE}/${id}`), 404, 'metadata_template_not_found');
  assertProblem(await create(outsider, { workspace: 'gis', name: 'mine' }), 404, 'not_found');
  assertProblem(await new ApiClient(server.url).request('GET', BASE), 401, 'unauthenticated');

  const wsadmin = callers.wsadmin;
  const own = await create(wsadmin, { workspace: 'gis', name: 'by-wsadmin' });
  assert.equal(own.status, 201, JSON.stringify(own.body));
  const renamed = await wsadmin.request<MetadataTemplate>('PATCH', `${BASE}/${id}`, { title: 'Changed' });
  assert.equal(renamed.body.title, 'Changed');
  assertProblem(await create(wsadmin, { workspace: 'other', name: 'x' }), 404, 'not_found');
  assert.equal((await admin.request<MetadataTemplate>('GET', `${BASE}/${id}`)).body.title, 'Changed');
});
