/**
 * Three real map servers behind geosync's own task connections, for the tests of the sync task
 * types (security, metadata, time stamp) called directly: the built-in publisher `local` on a
 * fresh store (PostgreSQL + PostGIS), the GeoServer TEST DOUBLE `gs` (test/helpers/
 * fake-geoserver.ts) and a real MapServer `ms` (mapfile checked by map2img, read back through
 * `mapserv` as CGI) over a PostGIS test database.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';

import type { EmbeddedDatabase } from '../../src/connectors/connector.ts';
import type { LayerDefinition, LayerMetadata, Publisher } from '../../src/connectors/publisher.ts';
import { createTaskConnections } from '../../src/domain/connections/task-connections.ts';
import { mapserv, writeServiceConfig } from '../../src/connectors/mapserver/mapserver-wms.test-helper.ts';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import { loadOrCreateSecretKey } from '../../src/lib/secret-key-file.ts';
import { layerKey } from '../../src/tasks/local-db-publication/layer-staging.ts';
import type { StagedObject } from '../../src/tasks/task-type.ts';
import { FAKE_GEOSERVER_ADMIN, type FakeGeoServer, startFakeGeoServer } from '../helpers/fake-geoserver.ts';
import { createTestGeosync, type TestGeosync } from '../helpers/geosync.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

export const WORKSPACE = 'topo';
export const signal = () => AbortSignal.timeout(60_000);

export interface PublicationServers {
  connections: ReturnType<typeof createTaskConnections>;
  local: Publisher;
  gs: Publisher;
  ms: Publisher;
  fake: FakeGeoServer;
  /** MapServer's WMS GetCapabilities document, through `mapserv`. */
  capabilities(): Promise<string>;
  /** Publishes `name` in WORKSPACE on a server (the local one serves the store's `places` table). */
  publish(on: 'local' | 'gs' | 'ms', name: string, metadata?: LayerMetadata, advertised?: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startPublicationServers(): Promise<PublicationServers> {
  const geosync: TestGeosync = await createTestGeosync({ backend: 'postgres' });
  const warehouse: TestDatabase = await createTestDatabase('hesync');
  const fake = await startFakeGeoServer();
  const { ctx, dataDir } = geosync;
  await sql`CREATE TABLE places (id int PRIMARY KEY, name text, geom geometry(Point, 4326))`.execute(ctx.db);
  await sql`INSERT INTO places VALUES (1, 'one', ST_SetSRID(ST_MakePoint(4.5, 51), 4326))`.execute(ctx.db);
  const client = new pg.Client({ connectionString: warehouse.url });
  await client.connect();
  await client.query(`CREATE TABLE roads (id serial PRIMARY KEY, name text, geom geometry(LineString, 4326));
    INSERT INTO roads (name, geom) VALUES ('a', ST_MakeLine(ST_MakePoint(4, 50), ST_MakePoint(5, 51)))`);
  await client.end();

  const embedded: EmbeddedDatabase = {
    query: async (text, params = []) => ({
      rows: (await ctx.db.executeQuery(CompiledQuery.raw(text, [...params]))).rows as Record<string, unknown>[],
    }),
    withSession: () => Promise.reject(new Error('not used by the built-in publisher')),
  };
  const msDir = path.join(dataDir, 'mapserver');
  await mkdir(msDir, { recursive: true });
  const mapfile = path.join(msDir, 'geosync.map');
  const serviceConfig = await writeServiceConfig(msDir, mapfile);
  const create = (name: string, type: string, config: Record<string, unknown>) =>
    ctx.connections.create({ name, type, description: '', config, roles: null });
  await create('gs', 'geoserver', { url: fake.url, ...FAKE_GEOSERVER_ADMIN });
  await create('ms', 'mapserver', { mapfile, url: 'http://127.0.0.1:9/cgi-bin/mapserv?map=GEOSYNC' });
  const connections = createTaskConnections({
    db: ctx.db,
    types: ctx.connectorTypes,
    box: createSecretBox(loadOrCreateSecretKey(dataDir, ctx.config.secrets.key).key),
    deps: { dataDir, embeddedDatabase: embedded },
    localMapServer: 'local',
  });
  const [local, gs, ms] = await Promise.all(['local', 'gs', 'ms'].map((n) => connections.mapServer(n)));
  const url = new URL(warehouse.url);
  const sources: Record<'local' | 'gs' | 'ms', LayerDefinition['source']> = {
    local: { kind: 'embedded', schema: 'public', table: 'places' },
    gs: {
      kind: 'postgis',
      host: 'db.internal',
      port: 5432,
      database: 'gis',
      user: 'gs',
      schema: 'public',
      table: 'roads',
    },
    ms: {
      kind: 'postgis',
      host: url.hostname,
      port: Number(url.port),
      database: warehouse.name,
      user: decodeURIComponent(url.username),
      schema: 'public',
      table: 'roads',
    },
  };
  const servers = { local: local!, gs: gs!, ms: ms! };
  return {
    connections,
    ...servers,
    fake,
    async capabilities() {
      const answer = await mapserv(serviceConfig, 'SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities');
      return answer.body.toString('utf8');
    },
    async publish(on, name, metadata = {}, advertised = true) {
      await servers[on].publishLayer(
        { workspace: WORKSPACE, name, source: sources[on], metadata, advertised },
        signal(),
      );
    },
    async close() {
      await connections.close();
      await fake.close();
      await warehouse.drop();
      await geosync.close();
    },
  };
}

/**
 * What an earlier publication task of the run leaves in the ledger: its layer, staged under a
 * temp name (the temp layer itself is published by the caller).
 */
export function stagedPublication(mapServer: string, name: string, temp: string): StagedObject {
  return {
    id: `staged-${mapServer}-${name}`,
    kind: 'layer',
    name: layerKey(mapServer, WORKSPACE, name),
    data: { mapServer, workspace: WORKSPACE, temp, final: name },
  };
}
