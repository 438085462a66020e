import { z } from 'zod';

import { dbsyncPrepareRequestSchema, type DbSyncRule, dbsyncRules } from '../../contracts/dbsync.dto.ts';
import { NEVER_SYNCED_SCHEMAS } from '../../domain/dbsync/catalog.ts';
import { UserError } from '../../errors/errors.ts';
import { invalidInput } from '../../errors/zod-details.ts';
import { commitMarker, stagedEarlier, stageMarker } from '../dbsync-common/dbsync-marker.ts';
import { checkNode, invalidParameter, listParameter, taskDeps } from '../dbsync-common/dbsync-task-context.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'central-database': param.database('The central database, with the sync structures installed'),
  schemas: param.string('The schemas to sync, comma-separated (system schemas and geosync_dbsync never are)'),
  rules: param
    .string('Conflict rules per table: schema.table=lww|central_wins|manual, comma-separated (default lww)')
    .optional(),
  'sync-without-primary-key': param
    .string('Tables without a primary key to sync anyway (schema.table, comma-separated)')
    .optional(),
});
type Parameters = z.infer<typeof parameters>;

function parseRules(text: string | undefined): Record<string, DbSyncRule> | undefined {
  const pairs = listParameter(text);
  if (pairs.length === 0) return undefined;
  const rules: Record<string, DbSyncRule> = {};
  for (const pair of pairs) {
    const at = pair.lastIndexOf('=');
    const rule = pair.slice(at + 1).trim() as DbSyncRule;
    if (at < 1 || !dbsyncRules.includes(rule)) {
      throw invalidParameter('rules', `'${pair}' is not schema.table=${dbsyncRules.join('|')}`);
    }
    rules[pair.slice(0, at).trim()] = rule;
  }
  return rules;
}

/**
 * Makes the tables of the listed schemas syncable (LizSync's "Prepare the central database"):
 * a uid on each, the capture triggers, the per-table conflict rule. Irreversible: run checks the
 * central and the schemas, commit prepares (again: idempotent). After a DbSyncInstall of the same
 * central in the batch, commit installs first (commits go in reverse order).
 */
export const dbSyncPrepareCentralTask: TaskType<Parameters> = {
  type: 'DbSyncPrepareCentral',
  title: 'Prepare a central database for sync',
  description: "Adds uid columns and change capture to the listed schemas' tables of a central, when the run commits",
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const central = params['central-database'];
    const request = dbsyncPrepareRequestSchema.safeParse({
      central,
      schemas: listParameter(params.schemas),
      rules: parseRules(params.rules),
      syncWithoutPrimaryKey: listParameter(params['sync-without-primary-key']),
    });
    if (!request.success) throw invalidInput(request.error, 'DbSyncPrepareCentral parameters');
    const { schemas, rules, syncWithoutPrimaryKey } = request.data;
    const refused = schemas.filter((s) => NEVER_SYNCED_SCHEMAS.includes(s) || s.startsWith('pg_'));
    if (refused.length > 0) {
      throw new UserError('dbsync_schema_not_allowed', `These schemas are never synced: ${refused.join(', ')}`, {
        details: [{ field: 'schemas', message: refused.join(', ') }],
      });
    }
    const db = await taskDeps(ctx).connections.database(central);
    if (!stagedEarlier(ctx, 'install', central)) await checkNode(db, 'central', central, ctx.signal);
    const { rows } = await db.withSession(
      (s) =>
        s.query<{ name: string }>(
          'SELECT s AS name FROM unnest($1::text[]) s WHERE NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = s)',
          [schemas],
        ),
      ctx.signal,
    );
    if (rows.length > 0) {
      const missing = rows.map((r) => r.name).join(', ');
      throw new UserError('dbsync_schema_not_found', `No schema named ${missing} in '${central}'`, {
        status: 404,
        details: [{ field: 'schemas', message: missing }],
      });
    }
    await stageMarker(
      ctx,
      central,
      {
        op: 'prepare',
        central,
        schemas,
        ...(rules && { rules }),
        ...(syncWithoutPrimaryKey?.length && { syncWithoutPrimaryKey }),
      },
      [['install', central]],
    );
    return { message: `Schemas ${schemas.join(', ')} of ${central} will be prepared for sync on commit` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
