// The publisher contract against the built-in publisher: tables of a real store (PostgreSQL with
// PostGIS), the `local` connection, and the OGC API over real HTTP as the server's own view.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

import { sql } from 'kysely';

import { CLI_PRINCIPAL } from '../../src/cli/cli-context.ts';
import { isPublisher, type LayerRef } from '../../src/connectors/publisher.ts';
import { ADMIN_ROLE } from '../../src/domain/security/principal.ts';
import { publisherContract } from '../contracts/publisher.contract.ts';
import { startTestServer } from '../helpers/server.ts';

publisherContract('built-in publisher', async () => {
  const server = await startTestServer();
  const { ctx } = server;
  await sql`CREATE TABLE roads (id integer PRIMARY KEY, name text, geom geometry(LineString, 4326))`.execute(ctx.db);
  await sql`INSERT INTO roads VALUES (1, 'north', ST_GeomFromText('LINESTRING(4 50, 5 52)', 4326)),
    (2, 'south', ST_GeomFromText('LINESTRING(4.5 50, 5.5 51)', 4326))`.execute(ctx.db);
  await sql`CREATE TABLE places (gid integer PRIMARY KEY, label text, geom geometry(Point, 3857))`.execute(ctx.db);
  await sql`INSERT INTO places VALUES (1, 'here', ST_Transform(ST_SetSRID(ST_MakePoint(4.5, 51), 4326), 3857))`.execute(
    ctx.db,
  );
  await sql`CREATE TABLE no_geometry (id integer PRIMARY KEY, name text)`.execute(ctx.db);

  const local = await ctx.connections.resolve(CLI_PRINCIPAL, 'local', 'map_server');
  const { connector } = await ctx.connections.open(CLI_PRINCIPAL, local.id);
  assert.ok(isPublisher(connector));

  const admin = await ctx.users.create({
    username: 'contract-admin',
    password: 'password-123',
    displayName: '',
    email: null,
    roles: [ADMIN_ROLE],
  });
  const token = (await ctx.tokens.create((await ctx.users.principalFor(admin.id, 'token'))!, 'contract', null)).token;
  const nameOf = (ref: LayerRef) => (ref.workspace ? `${ref.workspace}:${ref.name}` : ref.name);

  return {
    publisher: connector,
    server: {
      // What anyone sees: unadvertised layers are in no listing.
      async listed() {
        const answer = await fetch(`${server.url}/ogc/collections`);
        assert.equal(answer.status, 200);
        return ((await answer.json()) as { collections: { id: string }[] }).collections.map((c) => c.id);
      },
      nameOf,
      // An administrator reads every layer, advertised or not.
      async serves(ref) {
        const answer = await fetch(`${server.url}/ogc/collections/${encodeURIComponent(nameOf(ref))}/items?limit=1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await answer.arrayBuffer();
        return answer.status === 200;
      },
      // The on-disk tile cache (<dataDir>/tiles/<layer id>), filled by reading a tile.
      tileCache: {
        async fill(ref) {
          const answer = await fetch(
            `${server.url}/ogc/collections/${encodeURIComponent(nameOf(ref))}/tiles/0/0/0.mvt`,
            {
              headers: { authorization: `Bearer ${token}` },
            },
          );
          await answer.arrayBuffer();
          assert.equal(answer.headers.get('x-geosync-tile-cache'), 'miss');
        },
        async count(ref) {
          const { rows } = await sql<{ id: string }>`SELECT id::text AS id FROM published_layers
            WHERE coalesce(workspace, '') = ${ref.workspace ?? ''} AND name = ${ref.name}`.execute(ctx.db);
          const folder = path.join(server.dataDir, 'tiles', rows[0]!.id);
          const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
          return entries.filter((e) => e.isFile()).length;
        },
      },
      async state() {
        const { rows } = await sql`SELECT workspace, name, source, metadata, advertised, read_roles, style, cache,
          updated_at FROM published_layers ORDER BY coalesce(workspace, ''), name`.execute(ctx.db);
        return rows;
      },
    },
    sources: [
      { kind: 'embedded', schema: 'public', table: 'roads' },
      { kind: 'embedded', schema: 'public', table: 'places' },
    ],
    refused: [
      { what: 'a missing table', change: { source: { kind: 'embedded', schema: 'public', table: 'no_such_table' } } },
      {
        what: 'a table without geometry',
        change: { source: { kind: 'embedded', schema: 'public', table: 'no_geometry' } },
      },
      {
        what: "one of geosync's own tables",
        change: { source: { kind: 'embedded', schema: 'public', table: 'users' } },
      },
      { what: 'a name that cannot be a URL segment', change: { name: 'a/b' } },
    ],
    cacheOptions: { gridSets: ['WebMercatorQuad'], formats: ['application/vnd.mapbox-vector-tile'] },
    cleanup: async () => {
      await connector.close();
      await server.close();
    },
  };
});
