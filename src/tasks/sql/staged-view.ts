import type { PgSession, PostgresDatabase } from '../../connectors/database.ts';
import { UserError } from '../../errors/errors.ts';
import { quoteQualified } from '../../lib/sql-identifiers.ts';
import type { StagedObject, TaskActionContext, TaskOutcome, TaskRunContext } from '../task-type.ts';
import { assertSchemaExists, parseViewName, relationKind, viewsReading } from './relations.ts';
import { assertNoQueryRunningFunctions, assertNotReserved, assertViewReadsNoReserved } from './reserved.ts';
import { dropStaged, type StagedRelation, stagedKey, swapIn, tempName } from './staging.ts';

/**
 * What CreateView and CreateComplexView share: the view is created under a temporary name
 * (recorded in the ledger first), swapped in on commit, dropped on rollback.
 */

export interface ViewToCreate {
  /** The database connection's name. */
  database: string;
  /** The view's name as written in the task (`view`, `schema.view`, quoted parts). */
  viewName: string;
  /**
   * The view's query, checked and ready to follow `CREATE VIEW ... AS`; fails (before anything is
   * staged) when it cannot be built. `defaultSchema` is the connection's schema.
   */
  buildQuery(session: PgSession, defaultSchema: string): Promise<string>;
}

export async function runStagedView(view: ViewToCreate, ctx: TaskRunContext): Promise<TaskOutcome> {
  const db = await ctx.services.connections.postgres(view.database);
  const name = parseViewName(view.viewName, db.schema);
  assertNotReserved(db, name);
  return db.withSession(async (session) => {
    await assertSchemaExists(session, name.schema);
    const existing = await relationKind(session, name);
    if (existing !== undefined && existing !== 'v') throw notAView(`${name.schema}.${name.name}`, existing);
    const query = await view.buildQuery(session, db.schema);
    assertNoQueryRunningFunctions(db, query);
    const staged: StagedRelation = {
      database: view.database,
      schema: name.schema,
      temp: tempName(name.name),
      final: name.name,
      kind: 'view',
    };
    // Recorded before it exists: a crash between the two leaves a ledger row rollback can clear.
    await ctx.stage({ kind: 'view', name: stagedKey(view.database, name), data: staged });
    await createView(session, staged, query, db);
    return { message: `Created view ${name.schema}.${name.name} (staged as ${staged.temp})` };
  }, ctx.signal);
}

function notAView(name: string, relkind: string): UserError {
  const what = relkind === 'r' || relkind === 'p' ? 'a table' : `not a view (relkind ${relkind})`;
  return new UserError('not_a_view', `${name} exists and is ${what}: a view will not replace it`, { status: 409 });
}

const SQL_ERROR_CLASSES_OF_THE_QUERY = ['42', '22', '0A'];

async function createView(
  session: PgSession,
  staged: StagedRelation,
  query: string,
  db: PostgresDatabase,
): Promise<void> {
  await session.query('BEGIN');
  try {
    // The statement guard read the author's SQL with standard strings (no backslash escapes in
    // '...'): PostgreSQL must read it the same way, whatever the server's default.
    await session.query('SET LOCAL standard_conforming_strings = on');
    // The query on lines of its own: a trailing `--` comment ends before the statement does.
    await session.query(`CREATE VIEW ${quoteQualified({ schema: staged.schema, name: staged.temp })} AS\n${query}\n`);
    // Known only once PostgreSQL has resolved the query: which tables the view really reads.
    await assertViewReadsNoReserved(db, session, { schema: staged.schema, name: staged.temp });
    await session.query('COMMIT');
  } catch (error) {
    await session.query('ROLLBACK').catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && SQL_ERROR_CLASSES_OF_THE_QUERY.includes(code.slice(0, 2))) {
      throw new UserError('invalid_view_query', `PostgreSQL refused the view's query: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function stagedRelationOf(object: StagedObject): StagedRelation {
  return object.data as StagedRelation;
}

export async function commitStagedView(object: StagedObject, ctx: TaskActionContext): Promise<void> {
  const staged = stagedRelationOf(object);
  const db = await ctx.services.connections.postgres(staged.database);
  const outcome = await db.withSession((session) => swapIn(session, staged), ctx.signal);
  if (outcome === 'already') ctx.log('info', `View ${staged.schema}.${staged.final} was already in place`);
}

export async function rollbackStagedView(object: StagedObject, ctx: TaskActionContext): Promise<void> {
  const staged = stagedRelationOf(object);
  const db = await ctx.services.connections.postgres(staged.database);
  await db.withSession((session) => dropStaged(session, staged), ctx.signal);
}

/**
 * Removes the final view for good. Without CASCADE: views built on it belong to someone else,
 * so their existence fails the clean-up with their names.
 */
export async function cleanupView(database: string, viewName: string, ctx: TaskActionContext): Promise<void> {
  const db = await ctx.services.connections.postgres(database);
  const name = parseViewName(viewName, db.schema);
  const label = `${name.schema}.${name.name}`;
  await db.withSession(async (session) => {
    const kind = await relationKind(session, name);
    if (kind === undefined) return;
    if (kind !== 'v') throw notAView(label, kind);
    const dependents = await viewsReading(session, name);
    if (dependents.length > 0) {
      throw new UserError('view_in_use', `View ${label} was not removed: ${dependents.join(', ')} depend on it`, {
        status: 409,
      });
    }
    await session.query(`DROP VIEW IF EXISTS ${quoteQualified(name)}`);
  }, ctx.signal);
}
