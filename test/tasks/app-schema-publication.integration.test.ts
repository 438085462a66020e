/**
 * LocalAppSchemaPublication and RemoteAppSchemaPublication called directly, against the GeoServer
 * TEST DOUBLE (test/helpers/fake-geoserver.ts) with a real file service (local-files) and a real
 * PostGIS database connection: templates filled from the connection (as each map server sees it),
 * every `#{table}` replaced (a staged CopyTable's temp table during the run, the final one after
 * commit), the temp-name protocol, and bad input refused before anything changes. The database
 * password reaches GeoServer only: never the ledger, the logs or a message.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';

import { CompiledQuery } from 'kysely';
import pg from 'pg';

import { zipFiles } from '../../src/connectors/geoserver/geoserver-zip.ts';
import type { PostgisSource } from '../../src/connectors/publisher.ts';
import { createTaskConnections } from '../../src/domain/connections/task-connections.ts';
import { isGeosyncError } from '../../src/errors/errors.ts';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import { loadOrCreateSecretKey } from '../../src/lib/secret-key-file.ts';
import { localAppSchemaPublicationTask as local } from '../../src/tasks/local-app-schema-publication/local-app-schema-publication.task.ts';
import { remoteAppSchemaPublicationTask as remote } from '../../src/tasks/remote-app-schema-publication/remote-app-schema-publication.task.ts';
import { readZip } from '../../src/lib/zip/zip-reader.ts';
import { stagedKey } from '../../src/tasks/sql/staging.ts';
import type { StagedObject, TaskType } from '../../src/tasks/task-type.ts';
import {
  appSchemaMapping,
  FAKE_GEOSERVER_ADMIN,
  type FakeGeoServer,
  FakeGeoServerState,
  startFakeGeoServer,
} from '../helpers/fake-geoserver.ts';
import { createTestGeosync, type TestGeosync } from '../helpers/geosync.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { type RecordingContext, taskContext } from './task-context.ts';

const PASSWORD = 'pg-secret-app-schema-5d1e';
let geosync: TestGeosync;
let warehouse: TestDatabase;
let fake: FakeGeoServer;
let connections: ReturnType<typeof createTaskConnections>;
let filesRoot: string;
const signal = () => AbortSignal.timeout(60_000);

async function onWarehouse(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: warehouse.url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

before(async () => {
  geosync = await createTestGeosync({ backend: 'postgres' });
  warehouse = await createTestDatabase('appschema');
  fake = await startFakeGeoServer();
  await onWarehouse(`CREATE TABLE roads (id int PRIMARY KEY, name text, geom geometry(LineString, 4326));
    CREATE TABLE rivers (id int PRIMARY KEY, name text)`);
  filesRoot = path.join(geosync.dataDir, 'mappings');
  await mkdir(filesRoot, { recursive: true });
  const u = new URL(warehouse.url);
  const create = (name: string, type: string, config: Record<string, unknown>) =>
    geosync.ctx.connections.create({ name, type, description: '', config, roles: null });
  await create('gs', 'geoserver', { url: fake.url, ...FAKE_GEOSERVER_ADMIN });
  await create('gs2', 'geoserver', { url: fake.url, ...FAKE_GEOSERVER_ADMIN });
  await create('files', 'local-files', { root: filesRoot });
  await create('warehouse', 'postgis', {
    host: u.hostname,
    port: Number(u.port),
    database: warehouse.name,
    user: decodeURIComponent(u.username),
    password: PASSWORD,
    sslMode: 'disable',
    // How the second GeoServer sees the database: another host name and a replica.
    publishAs: { gs2: { host: 'db-replica.internal', database: 'gis_replica' } },
  });
  connections = createTaskConnections({
    db: geosync.ctx.db,
    types: geosync.ctx.connectorTypes,
    box: createSecretBox(loadOrCreateSecretKey(geosync.dataDir, geosync.ctx.config.secrets.key).key),
    deps: {
      dataDir: geosync.dataDir,
      embeddedDatabase: {
        query: async (text, params = []) => ({
          rows: (await geosync.ctx.db.executeQuery(CompiledQuery.raw(text, [...params]))).rows as Record<
            string,
            unknown
          >[],
        }),
        withSession: () => Promise.reject(new Error('not used here')),
      },
    },
    localMapServer: 'local',
  });
});
after(async () => {
  await connections?.close();
  await fake?.close();
  await warehouse?.drop();
  await geosync?.close();
});
beforeEach(() => {
  Object.assign(fake.state, new FakeGeoServerState());
  fake.requests.length = 0;
});

const put = (file: string, content: string | Buffer) => writeFile(path.join(filesRoot, file), content);
const snapshot = () => JSON.stringify({ ...fake.state, workspaces: [...fake.state.workspaces] });
const writes = () => fake.requests.filter((r) => r.method !== 'GET');
/** The mapping as GeoServer received it (the store's main file). */
const uploaded = (store: string) => {
  const s = fake.state.stores.find((o) => o.name === store);
  const main = [...(s?.files?.keys() ?? [])].find((f) => f.endsWith('.appschema'));
  return main ? s!.files!.get(main)!.toString('utf8') : '';
};
const layers = () =>
  fake.state.resources
    .filter((r) => r.layer)
    .map((r) => `${r.workspace}:${r.name}:${r.advertised ? 'advertised' : 'hidden'}`)
    .sort();

function assertNoPassword(ctx: RecordingContext, ...more: unknown[]): void {
  const shown = JSON.stringify([ctx.staged, ctx.logs, more, geosync.logs]);
  assert.ok(!shown.includes(PASSWORD), 'the database password was stored, logged or shown');
}

async function runAll(type: TaskType, params: Record<string, unknown>, ctx: RecordingContext) {
  const parsed = type.parameters.parse(params) as never;
  const outcome = await type.run(parsed, ctx);
  return outcome;
}

const commit = async (type: TaskType, ctx: RecordingContext) => {
  for (const object of [...ctx.staged].reverse()) await type.commitStaged(object, ctx);
};
const rollback = async (type: TaskType, ctx: RecordingContext) => {
  for (const object of [...ctx.staged].reverse()) await type.rollbackStaged(object, ctx);
};

describe('LocalAppSchemaPublication (GeoServer test double)', () => {
  test('fills the template from the connection, every #{table} replaced; temp layer, then committed in place', async () => {
    await put('roads.xml', appSchemaMapping('Road', '#{roads}', '<!-- again: #{roads} and #{rivers} -->'));
    const ctx = taskContext(connections, { signal: signal() });
    const params = {
      fileService: 'files',
      file: 'roads.xml',
      database: 'warehouse',
      workspace: 'ex',
      layer: 'Road',
      'map-server': 'gs',
    };
    const outcome = await runAll(local, params, ctx);
    const temp = (ctx.staged[0]!.data as { temp: string }).temp;
    assert.match(temp, /^_temp_[0-9a-f]{8}_Road$/);
    assert.deepEqual(layers(), [`ex:${temp}:hidden`]);
    const mapping = uploaded(temp);
    const u = new URL(warehouse.url);
    assert.ok(mapping.includes(`<value>${u.hostname}</value>`) && mapping.includes(`<value>${warehouse.name}</value>`));
    assert.ok(mapping.includes(`<value>${PASSWORD}</value>`), 'the password goes to GeoServer');
    assert.ok(!/[$#]\{/.test(mapping), 'no placeholder left');
    assert.equal(mapping.match(/roads/g)?.length, 2, 'both #{roads} replaced');
    assert.ok(mapping.includes('and rivers'));
    await commit(local, ctx);
    assert.deepEqual(layers(), ['ex:Road:advertised']);
    assert.deepEqual(
      fake.state.stores.map((s) => [s.name, s.enabled]),
      [['Road', true]],
    );
    assertNoPassword(ctx, outcome);
  });

  test('republish then rollback: the live layer is served again exactly as before', async () => {
    await put('roads.xml', appSchemaMapping('Road', '#{roads}'));
    const params = {
      fileService: 'files',
      file: 'roads.xml',
      database: 'warehouse',
      workspace: 'ex',
      layer: 'Road',
      'map-server': 'gs',
    };
    const first = taskContext(connections, { signal: signal() });
    await runAll(local, params, first);
    await commit(local, first);
    const before = snapshot();
    const second = taskContext(connections, { signal: signal() });
    await runAll(local, params, second);
    assert.equal(fake.state.stores.find((s) => s.name === 'Road')?.enabled, false, 'the live store waits, disabled');
    await rollback(local, second);
    assert.equal(snapshot(), before);
  });

  test('a first publication into a new workspace, rolled back: the workspace (and namespace) go too', async () => {
    await put('roads.xml', appSchemaMapping('Road', '#{roads}'));
    const params = { fileService: 'files', file: 'roads.xml', database: 'warehouse', workspace: 'ex', layer: 'Road' };
    const before = snapshot();
    const ctx = taskContext(connections, { signal: signal() });
    await runAll(local, { ...params, 'map-server': 'gs' }, ctx);
    assert.ok(fake.state.workspaces.has('ex'), 'publishing created the workspace');
    assert.equal((ctx.staged[0]!.data as { createdWorkspace?: boolean }).createdWorkspace, true);
    await rollback(local, ctx);
    assert.equal(snapshot(), before);
    await rollback(local, ctx);
    assert.equal(snapshot(), before, 'a repeated rollback changes nothing');
  });

  test('a workspace created by the run but holding another layer by rollback time is kept, with that layer', async () => {
    await put('roads.xml', appSchemaMapping('Road', '#{roads}'));
    const params = { fileService: 'files', file: 'roads.xml', database: 'warehouse', workspace: 'ex', layer: 'Road' };
    const ctx = taskContext(connections, { signal: signal() });
    await runAll(local, { ...params, 'map-server': 'gs' }, ctx);
    const gs = await connections.mapServer('gs');
    const source: PostgisSource = {
      kind: 'postgis',
      host: 'h',
      port: 5432,
      database: 'd',
      user: 'u',
      schema: 'public',
      table: 't',
    };
    await gs.publishLayer({ workspace: 'ex', name: 'other', source, metadata: {}, advertised: true }, signal());
    await rollback(local, ctx);
    assert.deepEqual(layers(), ['ex:other:advertised']);
    assert.ok(fake.state.workspaces.has('ex'));
  });

  test('a table staged by an earlier CopyTable: the temp table during the run, the final one after commit', async () => {
    await onWarehouse(`CREATE TABLE _temp_0a1b2c3d_rivers (id int PRIMARY KEY, name text)`);
    await put('rivers.xml', appSchemaMapping('River', '#{rivers}', '<!-- #{rivers} -->'));
    const relation = {
      database: 'warehouse',
      schema: 'public',
      temp: '_temp_0a1b2c3d_rivers',
      final: 'rivers',
      kind: 'table',
    };
    const earlier: StagedObject = {
      id: 'copy',
      kind: 'table',
      name: stagedKey('warehouse', { schema: 'public', name: 'rivers' }),
      data: relation,
    };
    const ctx = taskContext(connections, { signal: signal(), earlier: [earlier] });
    await runAll(
      local,
      {
        fileService: 'files',
        file: 'rivers.xml',
        database: 'warehouse',
        workspace: 'ex',
        layer: 'River',
        'map-server': 'gs',
      },
      ctx,
    );
    const temp = (ctx.staged[0]!.data as { temp: string }).temp;
    assert.equal(uploaded(temp).match(/_temp_0a1b2c3d_rivers/g)?.length, 2);
    await commit(local, ctx);
    assert.deepEqual(layers(), ['ex:River:advertised']);
    const final = uploaded('River');
    assert.equal(final.match(/>rivers</g)?.length, 1);
    assert.ok(!final.includes('_temp_'), 'the final mapping names the final table');
  });
});

test('LocalAppSchemaPublication: a versioned mapping (CopyFile) publishes its latest version', async () => {
  await mkdir(path.join(filesRoot, 'v'), { recursive: true });
  await put('v/roads.1.xml', appSchemaMapping('Road', '#{roads}', '<!-- version one -->'));
  await put('v/roads.2.xml', appSchemaMapping('Road', '#{roads}', '<!-- version two -->'));
  for (const file of [{ file: 'v/roads.###.xml' }, { file: 'v/roads.xml', 'auto-versioned': 'true' }]) {
    const ctx = taskContext(connections, { signal: signal() });
    const params = {
      fileService: 'files',
      database: 'warehouse',
      workspace: 'ex',
      layer: 'Road',
      'map-server': 'gs',
      ...file,
    };
    await runAll(local, params, ctx);
    const staged = ctx.staged[0]!.data as { temp: string; file: string };
    assert.equal(staged.file, 'v/roads.2.xml');
    assert.match(uploaded(staged.temp), /version two/);
    await rollback(local, ctx);
  }
});

describe('RemoteAppSchemaPublication (GeoServer test double)', () => {
  test('a ZIP of mappings: parameters as that server sees the database, included files templated too', async () => {
    const included =
      '<as:AppSchemaDataAccess xmlns:as="http://www.geotools.org/app-schema"><!-- ${host}/${database} #{roads} --></as:AppSchemaDataAccess>';
    await put(
      'roads.zip',
      zipFiles([
        { path: 'roads.xml', content: appSchemaMapping('Road', '#{roads}') },
        { path: 'included.xml', content: included },
      ]),
    );
    const ctx = taskContext(connections, { signal: signal() });
    await runAll(
      remote,
      {
        'external-geoserver': 'gs2',
        fileService: 'files',
        file: 'roads.zip',
        database: 'warehouse',
        workspace: 'ex',
        layer: 'Road',
      },
      ctx,
    );
    const temp = (ctx.staged[0]!.data as { temp: string }).temp;
    const store = fake.state.stores.find((s) => s.name === temp)!;
    assert.deepEqual([...(store.files?.keys() ?? [])].sort(), ['included.xml', 'roads.appschema']);
    assert.ok(uploaded(temp).includes('<value>db-replica.internal</value>'));
    assert.ok(uploaded(temp).includes('<value>gis_replica</value>'));
    assert.match(store.files!.get('included.xml')!.toString('utf8'), /db-replica\.internal\/gis_replica roads/);
    await commit(remote, ctx);
    assert.deepEqual(layers(), ['ex:Road:advertised']);
    assertNoPassword(ctx);
  });
});

describe('bad input: a clear error, nothing staged, nothing changed on GeoServer', () => {
  const refused = async (type: TaskType, params: Record<string, unknown>, code: RegExp, message: RegExp) => {
    const ctx = taskContext(connections, { signal: signal() });
    await assert.rejects(
      runAll(type, params, ctx),
      (e) => isGeosyncError(e) && code.test(e.code) && message.test(e.message) && !e.message.includes(PASSWORD),
    );
    assert.deepEqual([ctx.staged, writes()], [[], []]);
  };
  const base = { fileService: 'files', database: 'warehouse', workspace: 'ex', layer: 'Road', 'map-server': 'gs' };

  test('unknown placeholders are listed (each once), with the names available', async () => {
    await put('odd.xml', appSchemaMapping('Road', '#{roads}', '<!-- ${jndiReferenceName} ${nope} ${nope} -->'));
    await refused(
      local,
      { ...base, file: 'odd.xml' },
      /^unknown_placeholder$/,
      /no value: \$\{jndiReferenceName\}, \$\{nope\}\. Available: \$\{dbtype\}, \$\{host\}/,
    );
  });

  test('a #{table} the database does not have', async () => {
    await put('missing.xml', appSchemaMapping('Road', '#{no_such_table}'));
    await refused(local, { ...base, file: 'missing.xml' }, /^table_not_found$/, /no_such_table/);
  });

  test('a ZIP without the main mapping named after it, and a file that is no mapping', async () => {
    await put('bundle.zip', zipFiles([{ path: 'other.xml', content: appSchemaMapping('Road') }]));
    await refused(
      local,
      { ...base, file: 'bundle.zip' },
      /^main_mapping_missing$/,
      /has no main mapping 'bundle\.xml' \(its files: other\.xml\)/,
    );
    await put('roads.txt', 'hello');
    await refused(local, { ...base, file: 'roads.txt' }, /^invalid_mapping_file$/, /neither an app-schema mapping/);
  });

  test('a map server without app-schema (the built-in one) is refused before anything is read', async () => {
    await refused(
      local,
      { ...base, 'map-server': undefined, file: 'never-read.xml' },
      /^app_schema_unsupported$/,
      /Map server 'local' cannot publish app-schema/,
    );
  });

  test("geosync's own store as the database", async () => {
    await put('roads.xml', appSchemaMapping('Road'));
    await refused(
      remote,
      {
        'external-geoserver': 'gs',
        fileService: 'files',
        file: 'roads.xml',
        database: 'local',
        workspace: 'ex',
        layer: 'Road',
      },
      /^unsupported_database$/,
      /needs a PostGIS database/,
    );
  });
});

test('the ZIP writer (uploads to GeoServer) and reader (mappings from a file service) agree', () => {
  const files = [
    { path: 'roads.xml', content: '<m>é</m>' },
    { path: 'schemas/roads.xsd', content: 'x'.repeat(10_000) },
  ];
  const back = readZip(zipFiles(files)).map((e) => ({ path: e.path, content: e.content.toString('utf8') }));
  assert.deepEqual(back, files);
});
