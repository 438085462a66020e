/**
 * The default start's journey through the REST API: geosync on its embedded store (PGlite +
 * PostGIS), a PostGIS source added as a connection, a configuration with CopyTable into `local`
 * and a CreateView over the copied table, run by the engine, twice; then a run that fails and
 * leaves the embedded database as it was.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sql } from 'kysely';
import pg from 'pg';

import type { Configuration } from '../../src/contracts/configurations.dto.ts';
import type { Run } from '../../src/contracts/batches.dto.ts';
import { ApiClient } from '../helpers/http.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: ApiClient;
let source: TestDatabase;
let configuration: Configuration;
let batchId: string;

before(async () => {
  source = await createTestDatabase('datasrc');
  const pool = new pg.Pool({ connectionString: source.url });
  await pool.query(`
    CREATE TABLE parks (id int PRIMARY KEY, name text NOT NULL, open boolean, geom geometry(Polygon,4326));
    COMMENT ON TABLE parks IS 'City parks';
    INSERT INTO parks SELECT i, 'park ' || i, i % 3 <> 0, ST_Buffer(ST_SetSRID(ST_MakePoint(i, 50), 4326), 0.1)::geometry(Polygon,4326)
      FROM generate_series(1, 300) AS i;`);
  await pool.end();
  server = await startTestServer({ backend: 'pglite', postgis: true, engine: true });
  admin = new ApiClient(server.url);
  await admin.login('admin', server.adminPassword);
  await admin.request('POST', '/api/v1/workspaces', { name: 'gis' });
  const u = new URL(source.url);
  const connection = await admin.request('POST', '/api/v1/connections', {
    name: 'city',
    type: 'postgis',
    description: 'the city database',
    config: {
      host: u.hostname,
      port: Number(u.port),
      database: u.pathname.slice(1),
      user: u.username,
      sslMode: 'disable',
    },
  });
  assert.equal(connection.status, 201, JSON.stringify(connection.body));
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'parks',
    attributes: { source: 'city', table: 'parks', target: 'local' },
    tasks: [
      {
        name: 'copy',
        type: 'CopyTable',
        parameters: { 'source-database': '${source}', 'table-name': '${table}', 'target-database': '${target}' },
      },
      {
        name: 'open-parks',
        type: 'CreateView',
        parameters: {
          database: '${target}',
          'view-name': 'open_parks',
          'table-name': '${table}',
          'select-clause': 'id, name, geom',
          'where-clause': 'open',
        },
      },
    ],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  configuration = created.body;
  assert.equal(configuration.validated, true, JSON.stringify(configuration.problems));
  const batch = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: configuration.id,
    name: 'publish',
    tasks: configuration.tasks.map((t) => t.id),
  });
  assert.equal(batch.status, 201, JSON.stringify(batch.body));
  batchId = batch.body.id;
});

after(async () => {
  await server?.close();
  await source?.drop();
});

async function runBatch(): Promise<Run> {
  const queued = await admin.request<Run>('POST', `/api/v1/batches/${batchId}/run`);
  assert.equal(queued.status, 202, JSON.stringify(queued.body));
  const started = Date.now();
  for (;;) {
    const run = await admin.request<Run>('GET', `/api/v1/runs/${queued.body.id}`);
    if (!['queued', 'running'].includes(run.body.status)) return run.body;
    if (Date.now() - started > 60_000) throw new Error(`run still ${run.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const embedded = async (query: string) => (await sql.raw<Record<string, unknown>>(query).execute(server.ctx.db)).rows;

test('the table attribute offers the tables of the chosen source database', async () => {
  const values = await admin.request<{ values: string[] | null }>(
    'GET',
    `/api/v1/configurations/${configuration.id}/attributes/table/values`,
  );
  assert.equal(values.status, 200, JSON.stringify(values.body));
  assert.deepEqual(values.body.values, ['parks']);
});

test('CopyTable into the embedded store and a view over it commit; a second run replaces both', async () => {
  for (let round = 1; round <= 2; round++) {
    const run = await runBatch();
    assert.equal(run.status, 'committed', JSON.stringify(run));
    const copy = run.tasks.find((t) => t.task === 'copy');
    assert.match(copy?.message ?? '', /^copied 300 rows/);
  }
  assert.deepEqual(await embedded('SELECT count(*)::int AS n FROM open_parks'), [{ n: 200 }]);
  assert.deepEqual(await embedded(`SELECT obj_description('parks'::regclass, 'pg_class') AS c`), [{ c: 'City parks' }]);
  const geometry = await embedded(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute
                                    WHERE attrelid = 'parks'::regclass AND attname = 'geom'`);
  assert.deepEqual(geometry, [{ t: 'geometry(Polygon,4326)' }]);
  assert.deepEqual(await embedded(`SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%'`), []);
});

test('a copy within the embedded store neither deadlocks nor holds the store while it runs', async () => {
  const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
    workspace: 'gis',
    name: 'local-copy',
    tasks: [
      {
        name: 'copy',
        type: 'CopyTable',
        parameters: {
          'source-database': 'local',
          'table-name': 'parks',
          'target-database': 'local',
          'target-table-name': 'parks_copy',
        },
      },
    ],
  });
  const batch = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
    workspace: 'gis',
    configuration: created.body.id,
    name: 'copy',
    tasks: created.body.tasks.map((t) => t.id),
  });
  const queued = await admin.request<Run>('POST', `/api/v1/batches/${batch.body.id}/run`);
  let slowest = 0;
  for (const started = Date.now(); ;) {
    const asked = Date.now();
    const run = await admin.request<Run>('GET', `/api/v1/runs/${queued.body.id}`);
    slowest = Math.max(slowest, Date.now() - asked);
    if (!['queued', 'running'].includes(run.body.status)) {
      assert.equal(run.body.status, 'committed', JSON.stringify(run.body));
      break;
    }
    assert.ok(Date.now() - started < 30_000, 'the copy ended');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(slowest < 2000, `the API answered within ${slowest} ms while the copy ran`);
  assert.deepEqual(await embedded('SELECT count(*)::int AS n FROM parks_copy'), [{ n: 300 }]);
});

test('a source table that does not exist fails the run, and the embedded database stays as it was', async () => {
  await admin.request('PATCH', `/api/v1/configurations/${configuration.id}`, {
    attributes: { source: 'city', table: 'no_such_table', target: 'local' },
  });
  const run = await runBatch();
  assert.equal(run.status, 'failed');
  assert.match(run.tasks.find((t) => t.task === 'copy')?.message ?? '', /no_such_table.*does not exist/);
  assert.deepEqual(await embedded('SELECT count(*)::int AS n FROM open_parks'), [{ n: 200 }]);
  assert.deepEqual(await embedded(`SELECT relname FROM pg_class WHERE relname LIKE '\\_temp\\_%'`), []);
});

test("geosync's own tables in the embedded store can be neither replaced nor read by tasks", async () => {
  const attempt = async (task: Record<string, unknown>) => {
    const created = await admin.request<Configuration>('POST', '/api/v1/configurations', {
      workspace: 'gis',
      name: `attempt-${Math.random().toString(36).slice(2, 8)}`,
      tasks: [task],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const batch = await admin.request<{ id: string }>('POST', '/api/v1/batches', {
      workspace: 'gis',
      configuration: created.body.id,
      name: 'try',
      tasks: created.body.tasks.map((t) => t.id),
    });
    const queued = await admin.request<Run>('POST', `/api/v1/batches/${batch.body.id}/run`);
    const started = Date.now();
    for (;;) {
      const run = await admin.request<Run>('GET', `/api/v1/runs/${queued.body.id}`);
      if (!['queued', 'running'].includes(run.body.status)) return run.body;
      if (Date.now() - started > 30_000) throw new Error('run did not end');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const overwrite = await attempt({
    name: 'replace-users',
    type: 'CopyTable',
    parameters: {
      'source-database': 'city',
      'table-name': 'parks',
      'target-database': 'local',
      'target-table-name': 'users',
    },
  });
  assert.equal(overwrite.status, 'failed');
  assert.match(overwrite.tasks[0]?.message ?? '', /public\.users belongs to geosync itself/);
  const read = await attempt({
    name: 'read-users',
    type: 'CreateView',
    parameters: { database: 'local', 'view-name': 'peek', 'table-name': 'users', 'select-clause': '*' },
  });
  assert.equal(read.status, 'failed');
  assert.match(read.tasks[0]?.message ?? '', /users/);
  const sneaky = await attempt({
    name: 'read-through-xml',
    type: 'CreateComplexView',
    parameters: {
      database: 'local',
      'view-name': 'peek2',
      definition: "SELECT query_to_xml('SELECT * FROM users', true, false, '')",
    },
  });
  assert.equal(sneaky.status, 'failed');
  assert.match(sneaky.tasks[0]?.message ?? '', /query_to_xml\(\) is not allowed/);
  const viaView = await attempt({
    name: 'read-through-a-view',
    type: 'CreateComplexView',
    parameters: {
      database: 'local',
      'view-name': 'peek3',
      definition: 'SELECT u.* FROM (SELECT * FROM public.users) AS u',
    },
  });
  assert.equal(viaView.status, 'failed');
  assert.match(viaView.tasks[0]?.message ?? '', /reads public\.users/);
  const users = await embedded('SELECT count(*)::int AS n FROM users');
  assert.deepEqual(users, [{ n: 1 }], 'the store still has its one admin');
  assert.deepEqual(
    await embedded(`SELECT relname FROM pg_class WHERE relname LIKE 'peek%' OR relname LIKE '\\_temp\\_%'`),
    [],
  );
});
