import { z } from 'zod';

import { dbsyncFilesSendRequestSchema } from '../../contracts/dbsync.dto.ts';
import { excludeParameter, stageFileSync } from '../dbsync-common/dbsync-files-task.ts';
import { commitMarker } from '../dbsync-common/dbsync-marker.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'local-file-service': param.fileService("The data manager's file service holding the QGIS projects"),
  'local-dir': param.string('Folder in it (default: its root)').optional(),
  'clone-file-service': param.fileService("The clone's file service they are sent to"),
  'clone-dir': param.string('Folder in the clone file service (default: its root)').optional(),
  exclude: param.string('Sub-folders never sent, comma-separated').optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * A data manager's projects and files to a clone's file service, as they are (LizSync's "Send
 * local QGIS projects and files to the clone FTP server"). Irreversible: run checks the
 * connections, commit copies new and changed files (nothing deleted, conflicts kept beside).
 */
export const dbSyncSendFilesTask: TaskType<Parameters> = {
  type: 'DbSyncSendFiles',
  title: "Send projects and files to a clone's file service",
  description: "Copies new and changed files from a local folder to a clone's file service, when the run commits",
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const request = await stageFileSync(
      ctx,
      'files-send',
      dbsyncFilesSendRequestSchema,
      {
        localFiles: params['local-file-service'],
        localDir: params['local-dir'],
        cloneFiles: params['clone-file-service'],
        cloneDir: params['clone-dir'],
        exclude: excludeParameter(params.exclude),
      },
      `${params['clone-file-service']}:${params['clone-dir'] ?? ''}`,
    );
    return { message: `Files of ${request.localFiles} will be sent to ${request.cloneFiles} on commit` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
