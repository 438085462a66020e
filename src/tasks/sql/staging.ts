import { randomBytes } from 'node:crypto';

import type { PgSession } from '../../connectors/database.ts';
import { UserError } from '../../errors/errors.ts';
import { type QualifiedName, quoteIdent, quoteQualified } from '../../lib/sql-identifiers.ts';

/**
 * Staging of database objects: a task creates its table or view under a temporary name
 * (`_temp_<8 hex>_<name>`), and commit swaps it in under the real name in one transaction.
 * Shared by CopyTable, CreateView and CreateComplexView.
 */

/** PostgreSQL cuts longer identifiers silently (NAMEDATALEN 64): we cut first, on a character boundary. */
const MAX_IDENTIFIER_BYTES = 63;

export function truncateIdentifier(name: string): string {
  let out = name;
  while (Buffer.byteLength(out) > MAX_IDENTIFIER_BYTES) out = out.slice(0, -1);
  return out;
}

/** A fresh temporary name for `name`, unique enough that two runs never collide. */
export function tempName(name: string): string {
  return truncateIdentifier(`_temp_${randomBytes(4).toString('hex')}_${name}`);
}

/** The ledger name of a staged table or view: what later tasks of the run look it up by. */
export function stagedKey(database: string, object: QualifiedName): string {
  return `${database}:${object.schema}.${object.name}`;
}

/** What a staged table or view records in the ledger (commit and rollback need only this). */
export interface StagedRelation extends Record<string, unknown> {
  database: string;
  schema: string;
  temp: string;
  final: string;
  kind: 'table' | 'view';
  /** Index and constraint renames to apply on commit: temporary name -> final name. */
  renames?: Array<{ from: string; to: string; what: 'index' | 'constraint' }>;
}

/** `'text'` for the places PostgreSQL takes no parameter (COMMENT ON). Needs standard_conforming_strings. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new UserError('invalid_text', 'Text for the database cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

const relationKind = { table: 'TABLE', view: 'VIEW' } as const;

async function relationExists(session: PgSession, schema: string, name: string): Promise<string | undefined> {
  const { rows } = await session.query<{ relkind: string }>(
    `SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, name],
  );
  return rows[0]?.relkind;
}

interface DependentView {
  schema: string;
  name: string;
  materialized: boolean;
  definition: string;
  comment: string | null;
  /** `security_barrier=true`, `check_option=local`...: pg_get_viewdef leaves them out. */
  options: string[] | null;
  /** A materialized view's own indexes, as PostgreSQL writes them. */
  indexes: string[];
}

/**
 * Views (and materialized views) that depend on `schema.name`, directly or through other
 * views, in an order they can be created again (dependencies first).
 */
async function dependentViews(session: PgSession, schema: string, name: string): Promise<DependentView[]> {
  const { rows } = await session.query<DependentView & { depth: number }>(
    `WITH RECURSIVE deps(oid, depth) AS (
       SELECT DISTINCT r.ev_class, 1
         FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
        WHERE d.refobjid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = $1 AND c.relname = $2)
          AND r.ev_class <> d.refobjid
       UNION
       SELECT r.ev_class, deps.depth + 1
         FROM deps JOIN pg_depend d ON d.refobjid = deps.oid JOIN pg_rewrite r ON r.oid = d.objid
        WHERE r.ev_class <> deps.oid AND deps.depth < 50
     )
     SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'm' AS materialized,
            pg_get_viewdef(c.oid, true) AS definition, obj_description(c.oid, 'pg_class') AS comment,
            c.reloptions AS options,
            ARRAY(SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = c.oid) AS indexes,
            max(deps.depth) AS depth
       FROM deps JOIN pg_class c ON c.oid = deps.oid JOIN pg_namespace n ON n.oid = c.relnamespace
      GROUP BY n.nspname, c.relname, c.relkind, c.oid, c.reloptions
      ORDER BY depth, schema, name`,
    [schema, name],
  );
  return rows;
}

/**
 * Swaps a staged relation in: drops the current one (with the views that depend on it), renames
 * the staged one, applies index renames, and creates the dependent views again from their
 * definitions, so they now read the new relation. All in one transaction: when a dependent view
 * no longer fits (a column it reads is gone), nothing changes and the error names the view.
 * Idempotent (crash recovery may repeat it): a staged relation already gone means done.
 */
export async function swapIn(session: PgSession, staged: StagedRelation): Promise<'swapped' | 'already'> {
  const { schema, temp, final } = staged;
  const kind = relationKind[staged.kind];
  await session.query('BEGIN');
  try {
    // Waiting forever behind a long reader of the old table would hold the whole run.
    await session.query("SET LOCAL lock_timeout = '30s'");
    await session.query('SET LOCAL standard_conforming_strings = on'); // quoteLiteral's assumption
    if (!(await relationExists(session, schema, temp))) {
      await session.query('ROLLBACK');
      if (await relationExists(session, schema, final)) return 'already';
      throw new UserError('staged_object_missing', `The staged ${staged.kind} ${temp} of ${final} no longer exists`);
    }
    const dependents = (await dependentViews(session, schema, final)).filter(
      (v) => !(v.schema === schema && v.name === temp),
    );
    const existing = await relationExists(session, schema, final);
    // A staged view replaces a view, never a table someone created meanwhile under its name.
    if (existing && staged.kind === 'view' && existing !== 'v') {
      throw new UserError(
        'not_a_view',
        `${schema}.${final} is not a view: the staged view ${temp} does not replace it`,
      );
    }
    if (existing) await refuseForeignKeys(session, schema, final);
    if (existing) {
      const dropKind = existing === 'v' ? 'VIEW' : existing === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
      await session.query(`DROP ${dropKind} ${quoteQualified({ schema, name: final })} CASCADE`);
    }
    await session.query(`ALTER ${kind} ${quoteQualified({ schema, name: temp })} RENAME TO ${quoteIdent(final)}`);
    for (const rename of staged.renames ?? []) {
      if (rename.what === 'index') {
        await session.query(
          `ALTER INDEX ${quoteQualified({ schema, name: rename.from })} RENAME TO ${quoteIdent(rename.to)}`,
        );
      } else {
        await session.query(
          `ALTER TABLE ${quoteQualified({ schema, name: final })} RENAME CONSTRAINT ${quoteIdent(rename.from)} TO ${quoteIdent(rename.to)}`,
        );
      }
    }
    for (const view of dependents) await recreateView(session, view);
    await session.query('COMMIT');
    return 'swapped';
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Dropping a table drops the foreign keys of other tables that reference it, and geosync cannot
 * know whether the new rows still satisfy them: such a swap is refused, naming them.
 */
async function refuseForeignKeys(session: PgSession, schema: string, name: string): Promise<void> {
  const { rows } = await session.query<{ constraint: string; schema: string; table: string }>(
    `SELECT con.conname AS constraint, cn.nspname AS schema, cl.relname AS table
       FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cl.relnamespace
      WHERE con.contype = 'f' AND con.conrelid <> con.confrelid
        AND con.confrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                              WHERE n.nspname = $1 AND c.relname = $2)`,
    [schema, name],
  );
  if (rows.length > 0) {
    const keys = rows.map((r) => `${r.constraint} of ${r.schema}.${r.table}`).join(', ');
    throw new UserError(
      'dependent_object',
      `${schema}.${name} is referenced by foreign keys (${keys}); geosync does not replace it: drop those keys first, or copy under another name`,
      { status: 409 },
    );
  }
}

/** View options as `WITH (...)`, keeping only the well-formed `name=value` ones PostgreSQL stores. */
function withOptions(options: string[] | null): string {
  const safe = (options ?? []).filter((o) => /^[a-z_]+=[a-z0-9_.]+$/i.test(o));
  return safe.length > 0 ? ` WITH (${safe.join(', ')})` : '';
}

async function recreateView(session: PgSession, view: DependentView): Promise<void> {
  const name = quoteQualified(view);
  try {
    await session.query('SAVEPOINT recreate_view');
    const kind = view.materialized ? 'MATERIALIZED VIEW' : 'VIEW';
    await session.query(`CREATE ${kind} ${name}${withOptions(view.options)} AS ${view.definition}`);
    // PostgreSQL's own definitions of the indexes the dropped materialized view had, same names.
    for (const index of view.indexes) await session.query(index);
    if (view.comment !== null) {
      await session.query(
        `COMMENT ON ${view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${name} IS ${quoteLiteral(view.comment)}`,
      );
    }
    await session.query('RELEASE SAVEPOINT recreate_view');
  } catch (error) {
    await session.query('ROLLBACK TO SAVEPOINT recreate_view').catch(() => undefined);
    throw new UserError(
      'dependent_view_broken',
      `View ${view.schema}.${view.name} depends on the object being replaced and cannot be created again over the new one (${(error as Error).message}); nothing was changed`,
    );
  }
}

/** Rollback of a staged relation: drops it (and what was staged on top of it). Idempotent. */
export async function dropStaged(session: PgSession, staged: StagedRelation): Promise<void> {
  const kind = relationKind[staged.kind];
  await session.query(`DROP ${kind} IF EXISTS ${quoteQualified({ schema: staged.schema, name: staged.temp })} CASCADE`);
}
