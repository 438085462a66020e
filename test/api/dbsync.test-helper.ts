/** Shared by the dbsync API tests: connections, users with API tokens, raw package transfers. */
import assert from 'node:assert/strict';

import { ADMIN_ROLE } from '../../src/domain/security/principal.ts';
import type { SyncNodeDatabase } from '../helpers/dbsync-nodes.ts';
import { ApiClient } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';

export function postgisConnection(name: string, node: SyncNodeDatabase, roles?: string[] | null) {
  const url = new URL(node.url);
  return {
    name,
    type: 'postgis',
    description: '',
    config: { host: url.hostname, port: Number(url.port), database: node.name, user: url.username, sslMode: 'disable' },
    ...(roles !== undefined && { roles }),
  };
}

/** A user (admin or not, with roles) and an API client that sends its token. */
export async function userClient(
  server: TestServer,
  username: string,
  options: { admin?: boolean; roles?: string[] } = {},
): Promise<ApiClient> {
  const { ctx } = server;
  const existing = new Set((await ctx.roles.list()).map((r) => r.name));
  for (const role of options.roles ?? []) if (!existing.has(role)) await ctx.roles.create(role, '');
  const user = await ctx.users.create({
    username,
    password: 'password-1234',
    displayName: '',
    email: null,
    roles: [...(options.admin ? [ADMIN_ROLE] : []), ...(options.roles ?? [])],
  });
  const principal = (await ctx.users.principalFor(user.id, 'token'))!;
  const client = new ApiClient(server.url);
  client.bearer = (await ctx.tokens.create(principal, 'dbsync-test', null)).token;
  return client;
}

export async function addConnection(client: ApiClient, body: unknown): Promise<void> {
  const created = await client.request('POST', '/api/v1/connections', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

/** PUT /dbsync/packages/:name with raw bytes. */
export async function uploadPackage<T = Record<string, unknown>>(
  client: ApiClient,
  name: string,
  bytes: Buffer,
): Promise<{ status: number; body: T & { code?: string } }> {
  const response = await fetch(`${client.baseUrl}/api/v1/dbsync/packages/${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${client.bearer}`, 'content-type': 'application/zip' },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as T & { code?: string } };
}

export async function downloadPackage(client: ApiClient, name: string): Promise<Response> {
  return fetch(`${client.baseUrl}/api/v1/dbsync/packages/${encodeURIComponent(name)}`, {
    headers: { authorization: `Bearer ${client.bearer}` },
  });
}
