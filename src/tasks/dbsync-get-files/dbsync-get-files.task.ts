import { z } from 'zod';

import { dbsyncFilesGetRequestSchema } from '../../contracts/dbsync.dto.ts';
import { excludeParameter, stageFileSync } from '../dbsync-common/dbsync-files-task.ts';
import { commitMarker } from '../dbsync-common/dbsync-marker.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'central-file-service': param.fileService('The central file service holding the projects and files'),
  'central-dir': param.string('Folder in the central file service (default: its root)').optional(),
  'clone-file-service': param.fileService("The clone's file service they are copied to"),
  'clone-dir': param.string('Folder in the clone file service (default: its root)').optional(),
  exclude: param.string('Sub-folders never synced, comma-separated').optional(),
  'central-database': param
    .database('The central database QGIS projects point at (with clone-database: they are pointed at the clone)')
    .optional(),
  'clone-database': param
    .database("The clone's database copied QGIS projects are pointed at (host, port, database, user; no password)")
    .optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Projects and files from a central file service to a clone's (LizSync's "Get projects and files
 * from the central FTP server"), over any file service: new or changed files are copied, a file
 * changed on both sides is kept with the incoming one beside it, nothing is deleted. With both
 * databases named, `.qgs`/`.qgz` projects are rewritten to the clone's database. Irreversible:
 * run checks the connections, commit copies.
 */
export const dbSyncGetFilesTask: TaskType<Parameters> = {
  type: 'DbSyncGetFiles',
  title: 'Get projects and files from the central file service',
  description: "Copies new and changed files from a central file service folder to a clone's, when the run commits",
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const request = await stageFileSync(
      ctx,
      'files-get',
      dbsyncFilesGetRequestSchema,
      {
        centralFiles: params['central-file-service'],
        centralDir: params['central-dir'],
        cloneFiles: params['clone-file-service'],
        cloneDir: params['clone-dir'],
        exclude: excludeParameter(params.exclude),
        centralDatabase: params['central-database'],
        cloneDatabase: params['clone-database'],
      },
      `${params['clone-file-service']}:${params['clone-dir'] ?? ''}`,
    );
    const rewrite = request.cloneDatabase ? `, QGIS projects pointed at ${request.cloneDatabase}` : '';
    return { message: `Files of ${request.centralFiles} will be copied to ${request.cloneFiles} on commit${rewrite}` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
