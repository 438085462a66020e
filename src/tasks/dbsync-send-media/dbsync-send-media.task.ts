import { z } from 'zod';

import { dbsyncFilesMediaRequestSchema } from '../../contracts/dbsync.dto.ts';
import { stageFileSync } from '../dbsync-common/dbsync-files-task.ts';
import { commitMarker } from '../dbsync-common/dbsync-marker.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

const parameters = z.strictObject({
  'clone-file-service': param.fileService("The clone's file service"),
  'clone-dir': param.string('The project folder on it, whose media/upload/ is sent (default: its root)').optional(),
  'central-file-service': param.fileService('The central file service'),
  'central-dir': param.string('The project folder there; files land in its media/upload/').optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * New field media (`media/upload/`) from a clone to the central (LizSync's "Synchronize the clone
 * media subfolder to the central FTP server"): a file already at the central is never replaced
 * (a different one is kept beside it). Irreversible: run checks the connections, commit sends.
 */
export const dbSyncSendMediaTask: TaskType<Parameters> = {
  type: 'DbSyncSendMedia',
  title: 'Send new media from a clone to the central',
  description: "Copies new files of a clone's media/upload/ folder to the central's, when the run commits",
  capability: 'irreversible',
  supportsCleanup: false,
  parameters,
  async run(params, ctx) {
    const request = await stageFileSync(
      ctx,
      'files-media',
      dbsyncFilesMediaRequestSchema,
      {
        cloneFiles: params['clone-file-service'],
        cloneDir: params['clone-dir'],
        centralFiles: params['central-file-service'],
        centralDir: params['central-dir'],
      },
      `${params['central-file-service']}:${params['central-dir'] ?? ''}`,
    );
    return { message: `New media of ${request.cloneFiles} will be sent to ${request.centralFiles} on commit` };
  },
  commitStaged: commitMarker,
  async rollbackStaged() {
    // Nothing was done before commit.
  },
};
