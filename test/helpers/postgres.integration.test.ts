import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import pg from 'pg';

import { createTestDatabase, type TestDatabase, testClusterUrl } from './postgres.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('test/helpers/postgres', () => {
  const created: TestDatabase[] = [];
  after(async () => {
    for (const database of created) await database.drop();
  });

  it('creates distinct databases that already have PostGIS', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase('helper');
    created.push(first, second);

    assert.notEqual(first.name, second.name);
    assert.match(first.name, /^t_[0-9a-f]{16}$/);
    assert.match(second.name, /^helper_[0-9a-f]{16}$/);

    for (const database of [first, second]) {
      const [row] = await query<{ db: string; point: string }>(
        database.url,
        `SELECT current_database() AS db, ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(6, 46), 4326), 2056)) AS point`,
      );
      assert.equal(row?.db, database.name);
      assert.match(row?.point ?? '', /^POINT\(2[0-9.]+ 1[0-9.]+\)$/);
    }

    // A table made in one is not visible in the other.
    await query(first.url, 'CREATE TABLE only_here (id int)');
    const [other] = await query<{ found: string | null }>(second.url, `SELECT to_regclass('only_here')::text AS found`);
    assert.equal(other?.found, null);
  });

  it('drop() removes the database, even with a connection still open, and is idempotent', async () => {
    const database = await createTestDatabase();
    const open = new pg.Client({ connectionString: database.url });
    await open.connect();
    open.on('error', () => {}); // the forced drop terminates it
    await database.drop();
    await database.drop();

    const rows = await query(await testClusterUrl(), 'SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
    assert.equal(rows.length, 0);
    await open.end().catch(() => {});
  });

  it('rejects an unsafe prefix', async () => {
    await assert.rejects(createTestDatabase('x"; DROP DATABASE postgres; --'), /prefix must match/);
  });
});
