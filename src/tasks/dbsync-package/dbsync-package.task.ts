import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';

import { z } from 'zod';

import * as ops from '../../domain/dbsync/service/operations.ts';
import { checkPackageName, packageFile, partialFile, withZip } from '../../domain/dbsync/service/package-files.ts';
import { OperationalError } from '../../errors/errors.ts';
import { batchOrder, stagedEarlier } from '../dbsync-common/dbsync-marker.ts';
import { dbsyncSettings, taskDeps } from '../dbsync-common/dbsync-task-context.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'central-database': param.database('The central database, prepared for sync'),
  'package-name': param.string('File name of the package in the dbsync work folder (e.g. field.zip)'),
  'after-sql': param.sql('SQL each clone runs at the end of its deploy').optional(),
});
type Parameters = z.infer<typeof parameters>;

export const PACKAGE_KIND = 'dbsync-package';
const REGISTRATION_KIND = 'dbsync-package-registration';

interface StagedPackage extends Record<string, unknown> {
  central: string;
  target: string;
  temp: string;
}

/**
 * Packages a central into one archive from one consistent snapshot (LizSync's "Create a package
 * from the central database"). Transactional: run writes the archive under a hidden temporary
 * name in the work folder's packages/ (a DbSyncDeploy later in the run deploys that file),
 * commit renames it into place, rollback removes it and releases the central's change log the
 * package held.
 */
export const dbSyncPackageTask: TaskType<Parameters> = {
  type: 'DbSyncPackage',
  title: 'Package a central database for its clones',
  description: 'Writes a package (schemas, data, sync metadata) of a central; it replaces the named package on commit',
  capability: 'transactional',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const central = params['central-database'];
    const name = checkPackageName(withZip(params['package-name']));
    for (const op of ['install', 'prepare'] as const) {
      if (stagedEarlier(ctx, op, central)) {
        throw batchOrder('DbSyncPackage', op === 'install' ? 'DbSyncInstall' : 'DbSyncPrepareCentral', central);
      }
    }
    const deps = taskDeps(ctx);
    const target = await packageFile(dbsyncSettings(ctx.services), name);
    const staged: StagedPackage = { central, target, temp: partialFile(target) };
    await ctx.stage({ kind: PACKAGE_KIND, name, data: staged });
    const result = await ops.packageTo(deps, {
      central,
      outputPath: staged.temp,
      afterSql: params['after-sql'],
      onProgress: (p) => {
        if (p.step === 'table') ctx.progress(p.done, p.total, 'tables');
      },
    });
    // Rollback releases the change log this package holds on the central.
    await ctx.stage({
      kind: REGISTRATION_KIND,
      name: result.packageId,
      data: { central, packageId: result.packageId },
    });
    const rows = result.tables.reduce((n, t) => n + t.rows, 0);
    return {
      message: `Packaged ${central}: ${result.tables.length} table(s), ${rows} row(s), ${result.bytes} bytes; ${name} on commit`,
    };
  },
  async commitStaged(object) {
    if (object.kind !== PACKAGE_KIND) return;
    const { target, temp } = object.data as StagedPackage;
    if (existsSync(temp)) return rename(temp, target);
    // Recovery repeats commits: the package already in place means an earlier attempt got through.
    if (existsSync(target)) return;
    throw new OperationalError('dbsync_package_missing', `The package written for ${object.name} is gone`);
  },
  async rollbackStaged(object, ctx) {
    if (object.kind === PACKAGE_KIND) {
      await rm((object.data as StagedPackage).temp, { force: true });
      return;
    }
    const { central, packageId } = object.data as { central: string; packageId: string };
    await ops.forgetPackage(taskDeps(ctx), central, packageId);
  },
};
