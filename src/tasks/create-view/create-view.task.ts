import { z } from 'zod';

import { param } from '../parameter.ts';
import { resolveReadableRelation } from '../sql/relations.ts';
import { cleanupView, commitStagedView, rollbackStagedView, runStagedView } from '../sql/staged-view.ts';
import { guardSqlFragment } from '../sql/statement-guard.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  database: param.database('The PostgreSQL database the view is created in'),
  'view-name': param.string('Name of the view (`view` or `schema.view`)'),
  'table-name': param.table('database', 'The table or view it selects from'),
  'select-clause': param.sql('What follows SELECT: the columns and expressions, e.g. `id, name, geom`'),
  'where-clause': param.sql("Optional condition after WHERE, e.g. `kind <> 'private'`").optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * `SELECT <select-clause> FROM <table-name> [WHERE <where-clause>]` as a view. The table name is
 * quoted; the two clauses are the author's SQL, kept inside the statement by the statement guard,
 * each on lines of its own (a `--` comment ends with its line), the condition in parentheses.
 */
export const createViewTask: TaskType<Parameters> = {
  type: 'CreateView',
  title: 'Create a view',
  description: 'Creates a view selecting columns of one table, with an optional condition',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  async run(params, ctx) {
    const select = guardSqlFragment(params['select-clause'], 'select-clause');
    const where = params['where-clause'] && guardSqlFragment(params['where-clause'], 'where-clause');
    return runStagedView(
      {
        database: params.database,
        viewName: params['view-name'],
        async buildQuery(session, defaultSchema) {
          const table = await resolveReadableRelation(
            session,
            ctx,
            params.database,
            defaultSchema,
            params['table-name'],
          );
          return `SELECT\n${select}\nFROM ${table}${where ? `\nWHERE (\n${where}\n)` : ''}`;
        },
      },
      ctx,
    );
  },
  commitStaged: commitStagedView,
  rollbackStaged: rollbackStagedView,
  async cleanup(params, ctx) {
    await cleanupView(params.database, params['view-name'], ctx);
  },
};
