import type { Kysely } from 'kysely';

import type { Database } from '../../store/database.types.ts';
import type { TaskServices } from '../../tasks/task-type.ts';
import { loadLinks, selectTemplates, templateMetadata } from './template-rows.ts';

/**
 * What MetadataTemplateSync reads: the template named in the workspace of the run's batch. Runs
 * act for their workspace, so a task never reads another workspace's template.
 */
export function templatesForTasks(db: Kysely<Database>): NonNullable<TaskServices['metadataTemplates']> {
  return {
    async forRun(runId, name) {
      const row = await selectTemplates(db)
        .innerJoin('batches', 'batches.workspace_id', 'metadata_templates.workspace_id')
        .innerJoin('batch_runs', 'batch_runs.batch_id', 'batches.id')
        .where('batch_runs.id', '=', runId)
        .where('metadata_templates.name', '=', name)
        .executeTakeFirst();
      if (!row) return undefined;
      const links = await loadLinks(db, row.id);
      return {
        name: row.name,
        metadata: templateMetadata(row),
        links: links.map((l) => ({
          mapServer: l.map_server,
          ...(l.workspace !== null && { workspace: l.workspace }),
          layer: l.layer,
        })),
      };
    },
  };
}
