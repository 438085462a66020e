import { clearCachedLayerTask } from './clear-cached-layer/clear-cached-layer.task.ts';
import { configureCachedLayerTask } from './configure-cached-layer/configure-cached-layer.task.ts';
import { copyFileTask } from './copy-file/copy-file.task.ts';
import { copyTableTask } from './copy-table/copy-table.task.ts';
import { createComplexViewTask } from './create-complex-view/create-complex-view.task.ts';
import { createViewTask } from './create-view/create-view.task.ts';
import { dbSyncDeployTask } from './dbsync-deploy/dbsync-deploy.task.ts';
import { dbSyncGetFilesTask } from './dbsync-get-files/dbsync-get-files.task.ts';
import { dbSyncInstallTask } from './dbsync-install/dbsync-install.task.ts';
import { dbSyncPackageTask } from './dbsync-package/dbsync-package.task.ts';
import { dbSyncPrepareCentralTask } from './dbsync-prepare-central/dbsync-prepare-central.task.ts';
import { dbSyncSendFilesTask } from './dbsync-send-files/dbsync-send-files.task.ts';
import { dbSyncSendMediaTask } from './dbsync-send-media/dbsync-send-media.task.ts';
import { dbSyncTask } from './dbsync-sync/dbsync-sync.task.ts';
import { dbSyncVerifyTask } from './dbsync-verify/dbsync-verify.task.ts';
import { layerSecuritySyncTask } from './layer-security-sync/layer-security-sync.task.ts';
import { localAppSchemaPublicationTask } from './local-app-schema-publication/local-app-schema-publication.task.ts';
import { localDbPublicationTask } from './local-db-publication/local-db-publication.task.ts';
import { localFilePublicationTask } from './local-file-publication/local-file-publication.task.ts';
import { metadataSyncTask } from './metadata-sync/metadata-sync.task.ts';
import { metadataTemplateSyncTask } from './metadata-template-sync/metadata-template-sync.task.ts';
import { remoteAppSchemaPublicationTask } from './remote-app-schema-publication/remote-app-schema-publication.task.ts';
import { remoteDbPublicationTask } from './remote-db-publication/remote-db-publication.task.ts';
import { remoteFilePublicationTask } from './remote-file-publication/remote-file-publication.task.ts';
import type { TaskType } from './task-type.ts';
import { timeStampTask } from './time-stamp/time-stamp.task.ts';
import { workspaceSecuritySyncTask } from './workspace-security-sync/workspace-security-sync.task.ts';

/**
 * Every task type geosync ships. Data, file and publication task types arrive with their issues;
 * the engine's own tests register test-only types (test/tasks/).
 */
export const builtinTaskTypes: readonly TaskType[] = [
  copyTableTask,
  copyFileTask,
  createViewTask,
  createComplexViewTask,
  localDbPublicationTask,
  remoteDbPublicationTask,
  localFilePublicationTask,
  remoteFilePublicationTask,
  localAppSchemaPublicationTask,
  remoteAppSchemaPublicationTask,
  clearCachedLayerTask,
  metadataSyncTask,
  metadataTemplateSyncTask,
  layerSecuritySyncTask,
  workspaceSecuritySyncTask,
  timeStampTask,
  configureCachedLayerTask,
  dbSyncInstallTask,
  dbSyncPrepareCentralTask,
  dbSyncPackageTask,
  dbSyncDeployTask,
  dbSyncTask,
  dbSyncVerifyTask,
  dbSyncGetFilesTask,
  dbSyncSendFilesTask,
  dbSyncSendMediaTask,
];
