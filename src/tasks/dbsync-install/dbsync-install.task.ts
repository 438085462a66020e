import { z } from 'zod';

import { LATEST_STRUCTURE_VERSION, readMeta } from '../../domain/dbsync/structures.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import { commitMarker, stageMarker } from '../dbsync-common/dbsync-marker.ts';
import { taskDeps } from '../dbsync-common/dbsync-task-context.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'central-database': param.database('The central database (a PostgreSQL server: postgis connection)'),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Installs the sync structures (schema `geosync_dbsync`) on a central, or upgrades them in place
 * after a geosync upgrade (LizSync's "Install" and "Upgrade" algorithms). Irreversible: run checks
 * the database can take them, commit installs (doing it again changes nothing).
 */
export const dbSyncInstallTask: TaskType<Parameters> = {
  type: 'DbSyncInstall',
  title: 'Install or upgrade database sync on a central',
  description:
    'Installs the two-way sync structures on a central PostgreSQL database, or upgrades them, when the run commits',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const central = params['central-database'];
    const db = await taskDeps(ctx).connections.database(central);
    const meta = await db.withSession((s) => readMeta(s), ctx.signal);
    if (meta === 'foreign') {
      throw conflict(
        'dbsync_foreign_structures',
        `Database '${central}' has a schema named geosync_dbsync that geosync did not create: rename or drop it first`,
      );
    }
    if (meta !== 'absent' && meta.role !== 'central') {
      throw conflict('dbsync_wrong_role', `Database '${central}' is a sync ${meta.role}, not a central`);
    }
    if (meta !== 'absent' && meta.structureVersion > LATEST_STRUCTURE_VERSION()) {
      throw new UserError(
        'dbsync_structures_newer',
        `The sync structures of '${central}' are newer than this geosync: upgrade geosync`,
        { status: 409 },
      );
    }
    await stageMarker(ctx, central, { op: 'install', central });
    const what = meta === 'absent' ? 'installed' : 'checked and upgraded if needed';
    return { message: `The sync structures of ${central} will be ${what} on commit` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
