/**
 * Every route x every kind of caller. The expected rule of each route is written here by hand,
 * independent of what the route declares, so a changed or new route fails until it is reviewed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { ADMIN_ROLE } from '../../src/domain/security/principal.ts';
import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

type Rule = 'public' | 'authenticated' | 'admin' | 'ws:read' | 'ws:write' | 'ws:admin';
type Caller = 'anonymous' | 'plain' | 'reader' | 'writer' | 'wsadmin' | 'admin';

const EXPECTED: Record<string, Rule> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /api/openapi.json': 'public',
  'POST /api/v1/auth/login': 'public',
  'GET /api/v1/auth/me': 'authenticated',
  'POST /api/v1/auth/logout': 'authenticated',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'GET /api/v1/users/:id': 'admin',
  'PATCH /api/v1/users/:id': 'admin',
  'DELETE /api/v1/users/:id': 'admin',
  'PUT /api/v1/users/:id/password': 'authenticated',
  'GET /api/v1/roles': 'authenticated',
  'POST /api/v1/roles': 'admin',
  'DELETE /api/v1/roles/:name': 'admin',
  'GET /api/v1/tokens': 'authenticated',
  'POST /api/v1/tokens': 'authenticated',
  'DELETE /api/v1/tokens/:id': 'authenticated',
  'GET /api/v1/workspaces': 'authenticated',
  'POST /api/v1/workspaces': 'admin',
  'GET /api/v1/workspaces/:id': 'ws:read',
  'PATCH /api/v1/workspaces/:id': 'ws:admin',
  'DELETE /api/v1/workspaces/:id': 'admin',
  'GET /api/v1/workspaces/:id/grants': 'ws:admin',
  'PUT /api/v1/workspaces/:id/grants': 'ws:admin',
  'GET /api/v1/connection-types': 'authenticated',
  'GET /api/v1/connections': 'authenticated',
  'POST /api/v1/connections': 'admin',
  'GET /api/v1/connections/:id': 'authenticated',
  'PATCH /api/v1/connections/:id': 'admin',
  'DELETE /api/v1/connections/:id': 'admin',
  'POST /api/v1/connections/:id/test': 'authenticated',
  // Files: the connection's roles are checked by the service (test/api/files.integration.test.ts).
  'GET /api/v1/connections/:id/files': 'authenticated',
  'PUT /api/v1/connections/:id/files': 'authenticated',
  // Orchestration: any logged-in user reaches these; the workspace grant is checked on the
  // object (test/api/orchestration-permissions.integration.test.ts).
  'GET /api/v1/metadata-templates': 'authenticated',
  'POST /api/v1/metadata-templates': 'authenticated',
  'GET /api/v1/metadata-templates/:id': 'authenticated',
  'PATCH /api/v1/metadata-templates/:id': 'authenticated',
  'DELETE /api/v1/metadata-templates/:id': 'authenticated',
  'POST /api/v1/metadata-templates/:id/links': 'authenticated',
  'DELETE /api/v1/metadata-templates/:id/links': 'authenticated',
  'GET /api/v1/configurations': 'authenticated',
  'POST /api/v1/configurations': 'authenticated',
  'GET /api/v1/configurations/:id': 'authenticated',
  'PATCH /api/v1/configurations/:id': 'authenticated',
  'DELETE /api/v1/configurations/:id': 'authenticated',
  'POST /api/v1/configurations/:id/validate': 'authenticated',
  'POST /api/v1/configurations/:id/apply-template': 'authenticated',
  'GET /api/v1/configurations/:id/attributes/:name/values': 'authenticated',
  'GET /api/v1/configurations/:id/export': 'authenticated',
  'POST /api/v1/configurations/import': 'authenticated',
  'POST /api/v1/configurations/import-taskmanager': 'authenticated',
  'POST /api/v1/bulk/import': 'authenticated',
  'POST /api/v1/bulk/run': 'authenticated',
  'POST /api/v1/bulk/initialize': 'authenticated',
  'GET /api/v1/batches': 'authenticated',
  'POST /api/v1/batches': 'authenticated',
  'GET /api/v1/batches/:id': 'authenticated',
  'PATCH /api/v1/batches/:id': 'authenticated',
  'DELETE /api/v1/batches/:id': 'authenticated',
  'POST /api/v1/batches/:id/run': 'authenticated',
  'POST /api/v1/schedule-preview': 'authenticated',
  'GET /api/v1/runs': 'authenticated',
  'GET /api/v1/runs/:id': 'authenticated',
  'GET /api/v1/runs/:id/log': 'authenticated',
  'POST /api/v1/runs/:id/interrupt': 'authenticated',
  'GET /api/v1/runs/:id/events': 'authenticated',
  'GET /api/v1/task-types': 'authenticated',
  // Layers: the map server connection's roles are checked by the service
  // (test/api/layers.integration.test.ts).
  'GET /api/v1/layers': 'authenticated',
  'GET /api/v1/layers/targets': 'authenticated',
  'GET /api/v1/map-servers/:name/layers': 'authenticated',
  'GET /api/v1/map-servers/:name/layers/:layer': 'authenticated',
  'GET /api/v1/map-servers/:name/layers/:workspace/:layer': 'authenticated',
  // Database sync (docs/dbsync.md): what changes what a database is, for administrators; the rest
  // for any logged-in user, the connections' roles checked by the service
  // (test/api/dbsync-bad-input.integration.test.ts).
  'POST /api/v1/dbsync/install': 'admin',
  'POST /api/v1/dbsync/prepare': 'admin',
  'POST /api/v1/dbsync/migrate': 'admin',
  'POST /api/v1/dbsync/package': 'admin',
  'POST /api/v1/dbsync/deploy': 'admin',
  'GET /api/v1/dbsync/packages': 'admin',
  'GET /api/v1/dbsync/packages/:name': 'admin',
  'PUT /api/v1/dbsync/packages/:name': 'admin',
  'DELETE /api/v1/dbsync/packages/:name': 'admin',
  'POST /api/v1/dbsync/sync': 'authenticated',
  'GET /api/v1/dbsync/status': 'authenticated',
  'GET /api/v1/dbsync/verify': 'authenticated',
  'GET /api/v1/dbsync/conflicts': 'authenticated',
  'POST /api/v1/dbsync/conflicts/:id/resolve': 'authenticated',
  'POST /api/v1/dbsync/files/get': 'authenticated',
  'POST /api/v1/dbsync/files/send': 'authenticated',
  'POST /api/v1/dbsync/files/media': 'authenticated',
  // The built-in publisher (OGC API Features, vector tiles): public; the service checks each
  // layer's advertised flag and read roles (test/api/ogc.integration.test.ts).
  'GET /ogc': 'public',
  'GET /ogc/conformance': 'public',
  'GET /ogc/collections': 'public',
  'GET /ogc/collections/:collectionId': 'public',
  'GET /ogc/collections/:collectionId/items': 'public',
  'GET /ogc/collections/:collectionId/items/:featureId': 'public',
  'GET /ogc/collections/:collectionId/tiles/:z/:x/:y.mvt': 'public',
};

/** API docs pages and the web UI's static files: public by design. */
const SYSTEM = ['/healthz', '/readyz', '/metrics'];
const isServed = (url: string) => SYSTEM.includes(url) || url === '/ogc' || url.startsWith('/ogc/');
const isStaticRoute = (method: string, url: string) =>
  url.startsWith('/api/docs') || (method === 'GET' && !url.startsWith('/api/') && !isServed(url));

const LEVELS = { reader: 1, writer: 2, wsadmin: 3, admin: 4 } as const;

function allowed(rule: Rule, caller: Caller): boolean {
  if (rule === 'public') return true;
  if (caller === 'anonymous') return false;
  if (rule === 'authenticated') return true;
  if (rule === 'admin') return caller === 'admin';
  const need = { 'ws:read': 1, 'ws:write': 2, 'ws:admin': 3 }[rule];
  return caller !== 'plain' && LEVELS[caller] >= need;
}

let server: TestServer;
const tokens = {} as Record<Exclude<Caller, 'anonymous'>, string>;
let workspaceId = '';
let connectionId = '';

before(async () => {
  server = await startTestServer();
  const { ctx } = server;
  const ws = await ctx.workspaces.create(CLI_PRINCIPAL, 'matrix', '');
  workspaceId = ws.id;
  const grants = [];
  for (const caller of ['plain', 'reader', 'writer', 'wsadmin', 'admin'] as const) {
    const user = await ctx.users.create({
      username: `u-${caller}`,
      password: 'password-123',
      displayName: '',
      email: null,
      roles: caller === 'admin' ? [ADMIN_ROLE] : [],
    });
    const principal = (await ctx.users.principalFor(user.id, 'token'))!;
    tokens[caller] = (await ctx.tokens.create(principal, 'matrix', null)).token;
    const level = { reader: 'read', writer: 'write', wsadmin: 'admin' }[caller as string] as 'read' | undefined;
    if (level) grants.push({ user: user.username, level });
  }
  await ctx.workspaces.setGrants(CLI_PRINCIPAL, workspaceId, grants);
  const list = await ctx.connections.list(CLI_PRINCIPAL, { limit: 50, offset: 0 }, 'file_service');
  connectionId = list.items[0]!.id;
});

after(async () => {
  await server?.close();
});

function concretePath(method: string, url: string): string {
  if (url.startsWith('/ogc')) {
    return url.replace(':collectionId', 'no-such-layer').replace(':featureId', '1').replace(':z/:x/:y', '0/0/0');
  }
  return url.replace(':name', 'no-such-role').replace(':id', () => {
    if (url.startsWith('/api/v1/workspaces')) return method === 'DELETE' ? randomUUID() : workspaceId;
    if (url.startsWith('/api/v1/connections/')) {
      return method === 'GET' || url.endsWith('/test') ? connectionId : randomUUID();
    }
    return randomUUID();
  });
}

test('every route has an expected access rule, and every rule a route', () => {
  const actual = server.routes.filter((r) => !isStaticRoute(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual([...new Set(actual)].sort(), Object.keys(EXPECTED).sort());
});

for (const caller of ['anonymous', 'plain', 'reader', 'writer', 'wsadmin', 'admin'] as const) {
  test(`access matrix for ${caller}`, async () => {
    const failures: string[] = [];
    for (const [key, rule] of Object.entries(EXPECTED)) {
      const [method, url] = key.split(' ') as [string, string];
      const hasBody = method !== 'GET' && method !== 'DELETE';
      const response = await fetch(server.url + concretePath(method, url), {
        method,
        headers: {
          ...(caller !== 'anonymous' && { authorization: `Bearer ${tokens[caller]}` }),
          ...(hasBody && { 'content-type': 'application/json' }),
        },
        // An unknown field makes every allowed write fail validation, so the matrix changes nothing.
        body: hasBody ? JSON.stringify({ __probe: 1 }) : undefined,
      });
      const ok = allowed(rule, caller);
      const denied = caller === 'anonymous' ? [401] : rule.startsWith('ws:') && caller === 'plain' ? [404] : [403];
      const refusal = [401, 403, ...(rule.startsWith('ws:') ? [404] : [])];
      if (ok && refusal.includes(response.status)) failures.push(`${key}: expected access, got ${response.status}`);
      if (!ok && !denied.includes(response.status)) {
        failures.push(`${key}: expected ${denied.join('/')}, got ${response.status}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}
