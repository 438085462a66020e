/**
 * The statement guard against PostgreSQL's own lexer: what the guard accepts, the server parses as
 * one statement; the break-outs it refuses really are several statements to the server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import pg from 'pg';

import { createTestDatabase, type TestDatabase } from '../../../test/helpers/postgres.ts';
import { guardSqlFragment } from './statement-guard.ts';

let database: TestDatabase;
let client: pg.Client;
let probe = 0;

before(async () => {
  database = await createTestDatabase('guard');
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('SET standard_conforming_strings = on');
});
after(async () => {
  await client?.end();
  await database?.drop();
});

/** A named statement is parsed alone: PostgreSQL refuses one holding several commands. */
async function serverSeesSeveralStatements(fragment: string): Promise<boolean> {
  try {
    await client.query({ name: `probe_${probe++}`, text: `SELECT\n${fragment}\n` });
    return false;
  } catch (error) {
    return /cannot insert multiple commands/.test((error as Error).message);
  }
}

test('accepted fragments are one statement to PostgreSQL', async () => {
  const accepted = [
    "'a;b' || E'\\'; x' || $$;$$ || $t$ $$ ; $t$",
    '1 /* ; /* ; */ ; */ + 2 -- ;\n + 3',
    '"odd;name"',
    "U&'d\\0061t;a' || B'101' || X'1F' || N'x;' || 'a'\n'b;'",
  ];
  for (const fragment of accepted) {
    assert.equal(guardSqlFragment(fragment, 'select-clause'), fragment);
    assert.equal(await serverSeesSeveralStatements(fragment), false, fragment);
  }
});

test('refused break-outs are several statements to PostgreSQL', async () => {
  const breakOuts = [
    '1; SELECT 2',
    "'\\'; SELECT 2; --'",
    'x$$; SELECT 2; SELECT $$a$$',
    "abe'\\'; SELECT 2; --'",
    '$a$ $b$ $a$; SELECT 2; SELECT $b$ $b$',
    // Read as a standard string, the continuation would hide the ";": PostgreSQL reads it as E''.
    "E'a'\n'\\''; SELECT 2; --'",
  ];
  for (const fragment of breakOuts) {
    assert.throws(() => guardSqlFragment(fragment, 'select-clause'), /unsafe|";"|E''/, fragment);
    assert.equal(await serverSeesSeveralStatements(fragment), true, fragment);
  }
});
