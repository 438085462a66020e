import { z } from 'zod';

import { param } from '../parameter.ts';
import { checkPlaceholders, fillPlaceholders } from '../sql/placeholders.ts';
import { stagedRelationSql } from '../sql/relations.ts';
import { cleanupView, commitStagedView, rollbackStagedView, runStagedView } from '../sql/staged-view.ts';
import { guardSqlFragment } from '../sql/statement-guard.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  database: param.database('The PostgreSQL database the view is created in'),
  'view-name': param.string('Name of the view (`view` or `schema.view`)'),
  definition: param.sql(
    'The whole query; ${attribute} placeholders: ${name} raw, ${name:ident} quoted name, ${name:literal} quoted text',
  ),
});
type Parameters = z.infer<typeof parameters>;

/**
 * A view over any query. Placeholders are filled from the configuration's attributes (see
 * sql/placeholders.ts); a raw or ident placeholder naming a table staged earlier in the run reads
 * the staged table. The filled query is then held to one statement by the statement guard.
 */
export const createComplexViewTask: TaskType<Parameters> = {
  type: 'CreateComplexView',
  title: 'Create a view from a query',
  description: 'Creates a view from a whole query that may use configuration attributes as ${placeholders}',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  async run(params, ctx) {
    // A placeholder naming no attribute fails before any connection is opened.
    checkPlaceholders(params.definition, ctx.attributes);
    return runStagedView(
      {
        database: params.database,
        viewName: params['view-name'],
        async buildQuery(_session, defaultSchema) {
          const query = fillPlaceholders(params.definition, ctx.attributes, {
            stagedRelation: (value) => stagedRelationSql(ctx, params.database, defaultSchema, value),
          });
          return guardSqlFragment(query, 'definition', { allowTrailingSemicolon: true });
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
