import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { UserError } from '../../errors/errors.ts';
import { type QualifiedName, quoteQualified } from '../../lib/sql-identifiers.ts';

/**
 * Guards for databases that hold geosync's own tables (the embedded store behind `local`): a
 * task may not create or replace a table or view under one of their names, nor build a view
 * that reads them (users, tokens, secrets).
 */

function reserved(name: QualifiedName): UserError {
  return new UserError(
    'reserved_name',
    `${name.schema}.${name.name} belongs to geosync itself in this database; choose another name`,
    { status: 409 },
  );
}

export function assertNotReserved(db: PostgresDatabase, name: QualifiedName): void {
  if (db.isReserved?.(name)) throw reserved(name);
}

/**
 * Functions that run a query given as text or read the server's files: through them a view
 * could read geosync's tables without naming them where the catalog records it.
 */
const QUERY_RUNNING_FUNCTIONS =
  /\b(query_to_xml\w*|query_to_xmlschema|cursor_to_xml\w*|table_to_xml\w*|schema_to_xml\w*|database_to_xml\w*|dblink\w*|pg_read_file|pg_read_binary_file|pg_ls_dir|pg_stat_file|lo_import|lo_get|lo_export)\s*\(/i;

/** Refuses author SQL calling such functions, where the database holds geosync's own tables. */
export function assertNoQueryRunningFunctions(db: PostgresDatabase, sql: string): void {
  if (!db.isReserved) return;
  const found = QUERY_RUNNING_FUNCTIONS.exec(sql);
  if (found) {
    throw new UserError(
      'function_not_allowed',
      `${found[1]}() is not allowed in views of this database (it holds geosync's own tables)`,
    );
  }
}

/** Refuses a (staged) view that reads, directly or through other views, one of geosync's tables. */
export async function assertViewReadsNoReserved(
  db: PostgresDatabase,
  session: PgSession,
  view: QualifiedName,
): Promise<void> {
  if (!db.isReserved) return;
  const { rows } = await session.query<QualifiedName>(
    `WITH RECURSIVE reads(oid, depth) AS (
       SELECT d.refobjid, 1 FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
        WHERE r.ev_class = to_regclass($1) AND d.refobjid <> r.ev_class
       UNION
       SELECT d.refobjid, reads.depth + 1 FROM reads JOIN pg_rewrite r ON r.ev_class = reads.oid
         JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
        WHERE d.refobjid <> r.ev_class AND reads.depth < 50
     )
     SELECT DISTINCT n.nspname AS schema, c.relname AS name
       FROM reads JOIN pg_class c ON c.oid = reads.oid JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [quoteQualified(view)],
  );
  const found = rows.find((relation) => db.isReserved!(relation));
  if (found) {
    throw new UserError(
      'reserved_name',
      `The view reads ${found.schema}.${found.name}, which belongs to geosync itself in this database`,
    );
  }
}
