import type { DatabaseSource, PostgresDatabase, TableDescription } from '../../connectors/database.ts';
import { isPostgresSource } from '../../connectors/database.ts';
import { isGeosyncError, UserError } from '../../errors/errors.ts';
import {
  parseQualifiedName,
  type QualifiedName,
  quoteQualified,
  tableNameCandidates,
} from '../../lib/sql-identifiers.ts';
import { type StagedRelation, stagedKey, truncateIdentifier } from '../sql/staging.ts';
import type { TaskRunContext } from '../task-type.ts';
import type { CopyTableParameters as Parameters } from './copy-table.task.ts';

/** Where the rows come from: the table itself, or the staged copy an earlier task of the run is making. */
export interface ResolvedSource {
  description: TableDescription;
  /** The name the source connector reads (PostgreSQL: quoted, so it means exactly one table). */
  readName: string;
  qualified?: QualifiedName;
  /** The source's own table name, to re-prefix index names. */
  tableName: string;
}

export async function resolveSource(
  source: DatabaseSource,
  params: Parameters,
  ctx: TaskRunContext,
): Promise<ResolvedSource> {
  const name = params['table-name'];
  if (!isPostgresSource(source)) {
    const description = await source.describeTable(name, ctx.signal);
    return { description, readName: name, tableName: name };
  }
  let firstError: unknown;
  for (const candidate of tableNameCandidates(name, source.schema)) {
    const staged = ctx.findStaged('table', stagedKey(params['source-database'], candidate));
    const qualified = staged ? { schema: candidate.schema, name: (staged.data as StagedRelation).temp } : candidate;
    try {
      const readName = quoteQualified(qualified);
      const description = await source.describeTable(readName, ctx.signal);
      return { description, readName, qualified, tableName: candidate.name };
    } catch (error) {
      if (!isGeosyncError(error) || error.code !== 'table_not_found') throw error;
      firstError ??= error;
    }
  }
  throw firstError instanceof UserError
    ? new UserError(
        'table_not_found',
        `Table or view '${name}' does not exist in database ${params['source-database']}`,
        {
          status: 404,
        },
      )
    : firstError;
}

/** The target table: as named, or the source table's own name in the target's schema. */
export function targetTable(params: Parameters, target: PostgresDatabase, sourceTable: string): QualifiedName {
  const named = params['target-table-name'];
  const name = named ? parseQualifiedName(named, target.schema) : { schema: target.schema, name: sourceTable };
  // PostgreSQL would cut a longer name itself, and later lookups by the full name would miss it.
  return { schema: name.schema, name: truncateIdentifier(name.name) };
}

/** Which table a name means in a PostgreSQL source (see tableNameCandidates); undefined if none. */
export async function sourceTableName(
  source: PostgresDatabase,
  name: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  for (const candidate of tableNameCandidates(name, source.schema)) {
    try {
      await source.describeTable(quoteQualified(candidate), signal);
      return candidate.name;
    } catch (error) {
      if (!isGeosyncError(error) || error.code !== 'table_not_found') throw error;
    }
  }
  return undefined;
}
