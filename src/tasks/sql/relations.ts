import type { PgSession } from '../../connectors/database.ts';
import { tableNotFound } from '../../connectors/database.ts';
import { UserError } from '../../errors/errors.ts';
import {
  parseQualifiedName,
  type QualifiedName,
  quoteQualified,
  tableNameCandidates,
} from '../../lib/sql-identifiers.ts';
import type { TaskRunContext } from '../task-type.ts';
import { type StagedRelation, stagedKey } from './staging.ts';

/** Finding the tables and views a task's SQL reads: staged earlier in the run, or existing. */

/**
 * The table or view an earlier task of this run staged under `name` (e.g. a CopyTable still under
 * its `_temp_` name): SQL of this run must read the staged one, which becomes `name` on commit.
 */
export function findStagedRelation(
  ctx: Pick<TaskRunContext, 'findStaged'>,
  database: string,
  name: QualifiedName,
): StagedRelation | undefined {
  const key = stagedKey(database, name);
  const found = ctx.findStaged('table', key) ?? ctx.findStaged('view', key);
  return found?.data as StagedRelation | undefined;
}

/** The quoted temporary name of a staged relation. */
export function quoteStaged(staged: StagedRelation): string {
  return quoteQualified({ schema: staged.schema, name: staged.temp });
}

/** The quoted staged name if `text` names a relation staged earlier in the run. */
export function stagedRelationSql(
  ctx: Pick<TaskRunContext, 'findStaged'>,
  database: string,
  defaultSchema: string,
  text: string,
): string | undefined {
  for (const candidate of tableNameCandidates(text, defaultSchema)) {
    const staged = findStagedRelation(ctx, database, candidate);
    if (staged) return quoteStaged(staged);
  }
  return undefined;
}

/** relkind of `schema.name` (`r` table, `v` view, `m` materialized view...), or undefined. */
export async function relationKind(session: PgSession, name: QualifiedName): Promise<string | undefined> {
  const { rows } = await session.query<{ relkind: string }>(
    `SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [name.schema, name.name],
  );
  return rows[0]?.relkind;
}

const READABLE_KINDS = new Set(['r', 'v', 'm', 'f', 'p']);

/**
 * The SQL naming the table `text` as written in a task: the staged temporary table when an earlier
 * task of the run staged it, else the existing table or view. Missing: UserError `table_not_found`.
 */
export async function resolveReadableRelation(
  session: PgSession,
  ctx: Pick<TaskRunContext, 'findStaged'>,
  database: string,
  defaultSchema: string,
  text: string,
): Promise<string> {
  const staged = stagedRelationSql(ctx, database, defaultSchema, text);
  if (staged) return staged;
  for (const candidate of tableNameCandidates(text, defaultSchema)) {
    const kind = await relationKind(session, candidate);
    if (kind && READABLE_KINDS.has(kind)) return quoteQualified(candidate);
  }
  throw tableNotFound(text);
}

/** PostgreSQL cuts longer names silently; a view must be findable under the name the task gives. */
const MAX_NAME_BYTES = 63;

/** Reads a view name as written in a task (`view`, `schema.view`, quoted parts) and checks it. */
export function parseViewName(text: string, defaultSchema: string): QualifiedName {
  const name = parseQualifiedName(text, defaultSchema);
  for (const part of [name.schema, name.name]) {
    if (part.includes('\0')) throw new UserError('invalid_view_name', 'A view name cannot contain a NUL character');
    if (Buffer.byteLength(part) > MAX_NAME_BYTES) {
      throw new UserError('invalid_view_name', `'${part}' is longer than PostgreSQL's ${MAX_NAME_BYTES} bytes`);
    }
  }
  return name;
}

export async function assertSchemaExists(session: PgSession, schema: string): Promise<void> {
  const { rows } = await session.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (rows.length === 0) {
    throw new UserError('schema_not_found', `Schema '${schema}' does not exist in the database`, {
      status: 404,
      details: [{ field: 'view-name', message: 'its schema does not exist' }],
    });
  }
}

/** Views that read `name` directly, as `schema.view`, for messages. */
export async function viewsReading(session: PgSession, name: QualifiedName): Promise<string[]> {
  const { rows } = await session.query<{ view: string }>(
    `SELECT DISTINCT vn.nspname || '.' || v.relname AS view
       FROM pg_depend d
       JOIN pg_rewrite r ON r.oid = d.objid
       JOIN pg_class v ON v.oid = r.ev_class
       JOIN pg_namespace vn ON vn.oid = v.relnamespace
      WHERE d.refobjid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = $1 AND c.relname = $2)
        AND r.ev_class <> d.refobjid
      ORDER BY 1`,
    [name.schema, name.name],
  );
  return rows.map((r) => r.view);
}
