import { z } from 'zod';

import type { PostgresDatabase } from '../../connectors/database.ts';
import { isPostgresSource } from '../../connectors/database.ts';
import { UserError } from '../../errors/errors.ts';
import { quoteQualified, tableNameCandidates } from '../../lib/sql-identifiers.ts';
import { param } from '../parameter.ts';
import { assertNotReserved } from '../sql/reserved.ts';
import { inTransaction } from '../sql/transaction.ts';
import { dropStaged, type StagedRelation, stagedKey, swapIn, tempName } from '../sql/staging.ts';
import type { StagedObject, TaskRunContext, TaskType } from '../task-type.ts';
import { buildIndexes } from './build-indexes.ts';
import { copyRows } from './copy-rows.ts';
import { resolveSource, sourceTableName, targetTable } from './resolve-names.ts';
import { planTarget } from './target-ddl.ts';

const parameters = z.strictObject({
  'source-database': param.database('Database to copy from'),
  'table-name': param.table('source-database', 'Table or view to copy'),
  'target-database': param.database('PostgreSQL database to copy into'),
  'target-table-name': param.table('target-database', 'Name in the target (default: the same name)').optional(),
});
export type CopyTableParameters = z.infer<typeof parameters>;

async function ensureSchema(target: PostgresDatabase, schema: string, ctx: TaskRunContext): Promise<void> {
  const { rows } = await target.withSession(
    (s) => s.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]),
    ctx.signal,
  );
  if (rows.length === 0) {
    throw new UserError('schema_not_found', `Schema '${schema}' does not exist in the target database`, {
      status: 404,
    });
  }
}

function describeOutcome(rows: number, bytes: number, seconds: number, method: string): string {
  const mb = (bytes / 1e6).toFixed(1);
  const rate = seconds > 0 ? Math.round(rows / seconds).toLocaleString('en') : String(rows);
  return `copied ${rows.toLocaleString('en')} rows (${mb} MB) by ${method} in ${seconds.toFixed(1)} s (${rate} rows/s)`;
}

/**
 * CopyTable (Task Manager): copies a table or view into a PostgreSQL database as a staged
 * `_temp_` table with the same column types, keys, indexes and comments; commit swaps it in.
 */
export const copyTableTask: TaskType<CopyTableParameters> = {
  type: 'CopyTable',
  title: 'Copy table',
  description:
    'Copies a table or view from a database (PostGIS, MySQL/MariaDB, GeoPackage) into a PostGIS database, with its column types, primary key, indexes and comments; the copy replaces the target on commit.',
  parameters,
  capability: 'transactional',
  supportsCleanup: true,

  async run(params, ctx) {
    const started = performance.now();
    const source = await ctx.services.connections.database(params['source-database']);
    const target = await ctx.services.connections.postgres(params['target-database']);
    const resolved = await resolveSource(source, params, ctx);
    const finalName = targetTable(params, target, resolved.tableName);
    assertNotReserved(target, finalName);
    await ensureSchema(target, finalName.schema, ctx);
    const temp = tempName(finalName.name);
    const plan = planTarget(resolved.description, resolved.tableName, { ...finalName, temp }, resolved.qualified);
    const staged: StagedRelation = {
      database: params['target-database'],
      schema: finalName.schema,
      temp,
      final: finalName.name,
      kind: 'table',
      renames: plan.renames,
    };
    await ctx.stage({ kind: 'table', name: stagedKey(params['target-database'], finalName), data: staged });
    const estimated = resolved.description.estimatedRows;
    const result = await copyRows({
      source,
      sourceName: resolved.readName,
      sourceQualified: resolved.qualified,
      columns: plan.columns,
      target,
      table: { schema: finalName.schema, name: temp },
      create: plan.create,
      signal: ctx.signal,
      progress: (rows, bytes) =>
        rows > 0 ? ctx.progress(rows, estimated, 'rows') : ctx.progress(bytes, undefined, 'bytes'),
    });
    ctx.progress(result.rows, result.rows, 'rows');
    const loaded = performance.now();
    await buildIndexes(target, plan.indexes, ctx.signal);
    await target.withSession(
      (s) =>
        inTransaction(s, async () => {
          for (const statement of plan.finish) await s.query(statement);
        }),
      ctx.signal,
    );
    const indexSeconds = (performance.now() - loaded) / 1000;
    ctx.log('info', `keys, indexes, comments and ANALYZE took ${indexSeconds.toFixed(1)} s`);
    return { message: describeOutcome(result.rows, result.bytes, (loaded - started) / 1000, result.method) };
  },

  async commitStaged(object: StagedObject, ctx) {
    const staged = object.data as StagedRelation;
    const target = await ctx.services.connections.postgres(staged.database);
    const outcome = await target.withSession((s) => swapIn(s, staged), ctx.signal);
    ctx.log(
      'info',
      outcome === 'swapped' ? `${staged.schema}.${staged.final} replaced` : `${staged.final} was already in place`,
    );
  },

  async rollbackStaged(object: StagedObject, ctx) {
    const staged = object.data as StagedRelation;
    const target = await ctx.services.connections.postgres(staged.database);
    await target.withSession((s) => dropStaged(s, staged), ctx.signal);
  },

  async cleanup(params, ctx) {
    const target = await ctx.services.connections.postgres(params['target-database']);
    let sourceTable = tableNameCandidates(params['table-name'], target.schema)[0]!.name;
    if (!params['target-table-name']) {
      // The same default as run: the name the source's table really has (`Mixed.Case` may be
      // one table or schema Mixed's table Case), so ask the source when it can still tell.
      const source = await ctx.services.connections.database(params['source-database']);
      if (isPostgresSource(source)) {
        sourceTable = (await sourceTableName(source, params['table-name'], ctx.signal)) ?? sourceTable;
      }
    }
    const name = targetTable(params, target, sourceTable);
    assertNotReserved(target, name);
    // No CASCADE: views someone built on the table are theirs; removing the table then fails and says why.
    await target.withSession((s) => s.query(`DROP TABLE IF EXISTS ${quoteQualified(name)}`), ctx.signal);
  },
};
