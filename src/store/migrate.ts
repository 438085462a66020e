import { readdirSync, readFileSync } from 'node:fs';

import { type Kysely, sql } from 'kysely';

import { UnexpectedError } from '../errors/errors.ts';
import type { Database } from './database.types.ts';
import { withTransaction } from './store.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** The numbered SQL files in store/migrations, in order. Append only: never edit a landed one. */
export function listMigrations(): Migration[] {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f));
  const migrations = files.sort().map((file) => ({
    id: Number(file.slice(0, 4)),
    name: file.slice(5, -4),
    sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
  }));
  migrations.forEach((m, i) => {
    if (m.id !== i + 1) throw new UnexpectedError('migration_gap', `Migration ${m.id} should be number ${i + 1}`);
  });
  return migrations;
}

export interface MigrateResult {
  applied: string[];
  current: number;
}

/** Applies pending migrations, each in its own transaction with its bookkeeping row. */
export async function migrate(db: Kysely<Database>): Promise<MigrateResult> {
  await sql`CREATE TABLE IF NOT EXISTS geosync_migrations (
    id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(db);
  // Two nodes starting together: the advisory lock makes the second wait, then find nothing to do.
  return withTransaction(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(7406001)`.execute(trx);
    const done = await trx.selectFrom('geosync_migrations').select('id').execute();
    const doneIds = new Set(done.map((r) => r.id));
    const applied: string[] = [];
    for (const migration of listMigrations()) {
      if (doneIds.has(migration.id)) continue;
      await sql.raw(migration.sql).execute(trx);
      await trx.insertInto('geosync_migrations').values({ id: migration.id, name: migration.name }).execute();
      applied.push(`${String(migration.id).padStart(4, '0')}_${migration.name}`);
    }
    const current = Math.max(0, ...doneIds, ...listMigrations().map((m) => m.id));
    return { applied, current };
  });
}
