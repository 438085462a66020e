import type { PgSession } from '../../../connectors/database.ts';
import type { PackageManifest, SequenceState } from './manifest.ts';

export interface CopiedTable {
  schema: string;
  name: string;
  columns: string[];
}

/**
 * Every ordinary table of the schemas (partitions included, as their rows live there; synced or
 * not), with the columns COPY can load back: generated ones are computed by the clone.
 */
export async function listPackagedTables(session: PgSession, schemas: readonly string[]): Promise<CopiedTable[]> {
  const { rows } = await session.query<CopiedTable>(
    `SELECT n.nspname AS schema, c.relname AS name,
            array(SELECT a.attname::text FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                   ORDER BY a.attnum) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY ($1::text[]) AND c.relkind = 'r'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY n.nspname, c.relname`,
    [schemas],
  );
  return rows;
}

/** Extensions installed inside the given schemas (`public` usually holds postgis). */
export async function extensionsInSchemas(
  session: PgSession,
  schemas: readonly string[],
): Promise<Array<{ schema: string; name: string }>> {
  const { rows } = await session.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, e.extname AS name FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE n.nspname = ANY ($1::text[]) ORDER BY 1, 2`,
    [schemas],
  );
  return rows;
}

/**
 * Extensions the schemas' objects depend on (column types, defaults, indexes' operator classes,
 * triggers, views, functions): the clone must have them, in the same schema, before the DDL runs.
 */
export async function extensionsUsed(
  session: PgSession,
  schemas: readonly string[],
): Promise<PackageManifest['extensions']> {
  const { rows } = await session.query<PackageManifest['extensions'][number]>(
    `WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = ANY ($1::text[])),
     objs (classid, objid) AS (
       SELECT 'pg_class'::regclass, c.oid FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'pg_constraint'::regclass, k.oid FROM pg_constraint k WHERE k.connamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'pg_attrdef'::regclass, d.oid FROM pg_attrdef d
                   JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'pg_trigger'::regclass, g.oid FROM pg_trigger g
                   JOIN pg_class c ON c.oid = g.tgrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
       UNION ALL SELECT 'pg_rewrite'::regclass, r.oid FROM pg_rewrite r
                   JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace IN (SELECT oid FROM ns))
     SELECT DISTINCT e.extname AS name, en.nspname AS schema, e.extversion AS version
       FROM objs o
       JOIN pg_depend d ON d.classid = o.classid AND d.objid = o.objid
       JOIN pg_depend m ON m.classid = d.refclassid AND m.objid = d.refobjid AND m.deptype = 'e'
       JOIN pg_extension e ON e.oid = m.refobjid
       JOIN pg_namespace en ON en.oid = e.extnamespace
      ORDER BY 1`,
    [schemas],
  );
  return rows;
}

/** The schemas' sequences: a clone continues local keys after the central's values. */
export async function sequenceStates(session: PgSession, schemas: readonly string[]): Promise<SequenceState> {
  const { rows } = await session.query<SequenceState[number]>(
    `SELECT schemaname AS schema, sequencename AS name, last_value::text AS "lastValue"
       FROM pg_sequences WHERE schemaname = ANY ($1::text[]) ORDER BY 1, 2`,
    [schemas],
  );
  return rows;
}

export async function serverVersions(
  session: PgSession,
): Promise<{ versionNum: number; version: string; postgis: string | null }> {
  const { rows } = await session.query<{ version_num: number; version: string; postgis: string | null }>(
    `SELECT current_setting('server_version_num')::int AS version_num, current_setting('server_version') AS version,
            (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis`,
  );
  const row = rows[0]!;
  return { versionNum: row.version_num, version: row.version, postgis: row.postgis };
}
