/**
 * The pg-boss adapter over the embedded store's worker: scripts keep every statement's rows, errors
 * carry their SQLSTATE as `code`, and a failing BEGIN...COMMIT script cannot leave the one PGlite
 * session in an aborted transaction under other callers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sql } from 'kysely';

import { pgliteBossDb } from '../../../src/engine/jobs/pglite-boss-db.ts';
import { openStore, type Store } from '../../../src/store/store.ts';

describe('pg-boss adapter on the embedded store', () => {
  let store: Store;
  let db: ReturnType<typeof pgliteBossDb>;
  before(async () => {
    store = await openStore({ backend: 'pglite', postgis: false });
    db = pgliteBossDb(store.pglite!);
    await db.executeSql('CREATE TABLE boss_probe (id int PRIMARY KEY)');
  });
  after(async () => store?.close());

  test('a script returns the rows of every statement, not only the last', async () => {
    const { rows } = await db.executeSql('BEGIN; SELECT 1 AS a; SELECT 2 AS b; COMMIT;');
    assert.deepEqual(rows, [{ a: 1 }, { b: 2 }]);
    assert.deepEqual((await db.executeSql('SELECT $1::int AS n', [7])).rows, [{ n: 7 }]);
  });

  test('an error carries its SQLSTATE as code, like node-postgres', async () => {
    await db.executeSql('INSERT INTO boss_probe VALUES (1)');
    await assert.rejects(db.executeSql('INSERT INTO boss_probe VALUES ($1)', [1]), { code: '23505' });
  });

  test('a failing transaction script is rolled back before anyone else runs a statement', async () => {
    let failing!: Promise<unknown>;
    let others!: Promise<unknown[]>;
    // An open transaction makes the script and the statements after it queue up in the worker;
    // once it commits they run in order, so a rollback sent after the script would come too late.
    await store.db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      failing = db.executeSql('BEGIN; INSERT INTO boss_probe VALUES (2); INSERT INTO boss_probe VALUES (1); COMMIT;');
      failing.catch(() => undefined);
      others = Promise.all([
        sql<{ one: number }>`SELECT 1 AS one`.execute(store.db).then((result) => result.rows),
        db.executeSql('SELECT count(*)::int AS n FROM boss_probe').then((result) => result.rows as unknown[]),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    await assert.rejects(failing, { code: '23505' });
    // Row 2 was rolled back with the script; the others ran outside its aborted transaction.
    assert.deepEqual(await others, [[{ one: 1 }], [{ n: 1 }]]);
  });
});
