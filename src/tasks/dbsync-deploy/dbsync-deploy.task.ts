import { existsSync } from 'node:fs';

import { z } from 'zod';

import { openPackage } from '../../domain/dbsync/package/archive.ts';
import { checkPackageName, packageFile, withZip } from '../../domain/dbsync/service/package-files.ts';
import { readMeta } from '../../domain/dbsync/structures.ts';
import { conflict, UserError } from '../../errors/errors.ts';
import { commitMarker, stageMarker } from '../dbsync-common/dbsync-marker.ts';
import { dbsyncSettings, taskDeps } from '../dbsync-common/dbsync-task-context.ts';
import { PACKAGE_KIND } from '../dbsync-package/dbsync-package.task.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'clone-database': param.database('The clone database (a PostgreSQL server: postgis connection)'),
  'package-name': param.string('File name of the package in the dbsync work folder (e.g. field.zip)'),
  force: param.boolean('Replace a clone whose changes the central has not received (they are saved first)').optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Deploys a package to a clone in one transaction (LizSync's "Deploy a database package to the
 * clone"): old state or new. Irreversible: run checks the archive whole (manifest, checksums)
 * and the clone database, commit deploys. A package written by a DbSyncPackage earlier in the
 * run is deployed from its temporary file (that task commits after this one).
 */
export const dbSyncDeployTask: TaskType<Parameters> = {
  type: 'DbSyncDeploy',
  title: 'Deploy a package to a clone database',
  description: 'Replaces the packaged schemas of a clone database with a package of its central, when the run commits',
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const clone = params['clone-database'];
    const name = checkPackageName(withZip(params['package-name']));
    const archive = await packageFile(dbsyncSettings(ctx.services), name);
    const temp = ctx.findStaged(PACKAGE_KIND, name)?.data['temp'] as string | undefined;
    const file = temp ?? archive;
    if (!existsSync(file)) {
      throw new UserError('dbsync_package_not_found', `There is no package '${name}' in the dbsync work folder`, {
        status: 404,
        details: [{ field: 'package-name', message: name }],
      });
    }
    const { manifest } = await openPackage(file, ctx.signal);
    const db = await taskDeps(ctx).connections.database(clone);
    const { meta, now } = await db.withSession(
      async (s) => ({
        meta: await readMeta(s),
        now: (await s.query<{ t: string }>('SELECT now()::text AS t')).rows[0]!.t,
      }),
      ctx.signal,
    );
    if (meta === 'foreign') {
      throw conflict(
        'dbsync_foreign_structures',
        `Database '${clone}' has a schema named geosync_dbsync that geosync did not create`,
      );
    }
    if (meta !== 'absent' && meta.role !== 'clone') {
      throw conflict(
        'dbsync_wrong_role',
        `Database '${clone}' is a sync central: a package is deployed to clones only`,
      );
    }
    await stageMarker(
      ctx,
      clone,
      {
        op: 'deploy',
        clone,
        package: name,
        archive,
        ...(temp !== undefined && { temp }),
        packageId: manifest.packageId,
        force: params.force ?? false,
        notBefore: now,
      },
      [['sync', clone]],
    );
    return { message: `Package ${name} (${manifest.tables.length} table(s)) will be deployed to ${clone} on commit` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
