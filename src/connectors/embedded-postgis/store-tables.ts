import { readdirSync, readFileSync } from 'node:fs';

/**
 * geosync's own tables in the embedded store: not data a user may copy, so listTables hides
 * them. They are read from the store's migrations (every `CREATE TABLE` there, plus the
 * bookkeeping table migrate.ts creates) rather than listed here, so a new migration cannot be
 * forgotten. A folder, not an import: connectors do not depend on the store module.
 */
const migrationsFolder = new URL('../../store/migrations/', import.meta.url);

/** The table migrate.ts keeps its bookkeeping in. */
const migrationsTable = 'geosync_migrations';

/** Schemas geosync creates in its store (the job queue's `geosync_jobs`) share this prefix. */
export const storeSchemaPrefix = 'geosync_';

const createTable =
  /\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:public\.)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)/gi;

/** Table names a migration's SQL creates in the default schema, as the catalog spells them. */
export function tablesCreatedBy(sql: string): string[] {
  return [...sql.matchAll(createTable)].map(([, name]) =>
    name!.startsWith('"') ? name!.slice(1, -1).replaceAll('""', '"') : name!.toLowerCase(),
  );
}

let cached: string[] | undefined;

export function storeTables(): readonly string[] {
  cached ??= [
    migrationsTable,
    ...readdirSync(migrationsFolder)
      .filter((file) => file.endsWith('.sql'))
      .flatMap((file) => tablesCreatedBy(readFileSync(new URL(file, migrationsFolder), 'utf8'))),
  ].sort();
  return cached;
}
