import { clearCachedLayerTask } from './clear-cached-layer/clear-cached-layer.task.ts';
import { configureCachedLayerTask } from './configure-cached-layer/configure-cached-layer.task.ts';
import { copyFileTask } from './copy-file/copy-file.task.ts';
import { copyTableTask } from './copy-table/copy-table.task.ts';
import { createComplexViewTask } from './create-complex-view/create-complex-view.task.ts';
import { createViewTask } from './create-view/create-view.task.ts';
import { localDbPublicationTask } from './local-db-publication/local-db-publication.task.ts';
import { metadataSyncTask } from './metadata-sync/metadata-sync.task.ts';
import type { TaskType } from './task-type.ts';

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
  clearCachedLayerTask,
  metadataSyncTask,
  configureCachedLayerTask,
];
