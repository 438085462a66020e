import { z } from 'zod';

import { layerRef } from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';
import {
  commitAppSchemaPublication,
  rollbackAppSchemaPublication,
  runAppSchemaPublication,
} from './app-schema-publication.ts';

/** Parameter names are the Task Manager's (AppSchemaLocalPublicationTaskTypeImpl), so its exports import unchanged. */
const parameters = z.strictObject({
  fileService: param.fileService('The file service holding the mapping'),
  file: param.file(
    'fileService',
    "The app-schema mapping (.xml), or a ZIP of mappings whose main file has the ZIP's name; ### reads the latest version",
  ),
  'auto-versioned': param
    .boolean('The mapping is versioned: its latest version is read (.### before the extension)')
    .optional(),
  database: param.database("The PostGIS database whose connection parameters fill the mapping's ${...} placeholders"),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The name of the layer: the mapped feature type it publishes'),
  'map-server': param
    .mapServer('The map server it is published on (default: the local map server)', { needs: ['appSchema'] })
    .optional(),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Publishes an app-schema (complex features) mapping on the local map server, which must be a
 * GeoServer: the mapping is a template filled from the database's connection parameters
 * (app-schema-publication.ts), then published with the temp-name protocol.
 */
export const localAppSchemaPublicationTask: TaskType<Parameters> = {
  type: 'LocalAppSchemaPublication',
  title: 'Publish an app-schema mapping',
  description:
    'Publishes an app-schema mapping (templated with a database connection) as a complex-feature layer on the local GeoServer',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  run: (params, ctx) =>
    runAppSchemaPublication(
      params,
      { name: params['map-server'] ?? ctx.services.connections.localMapServer, field: 'map-server' },
      ctx,
    ),
  commitStaged: commitAppSchemaPublication,
  rollbackStaged: rollbackAppSchemaPublication,
  async cleanup(params, ctx) {
    const publisher = await ctx.services.connections.mapServer(
      params['map-server'] ?? ctx.services.connections.localMapServer,
    );
    await publisher.removeLayer(layerRef(params.workspace, params.layer), ctx.signal);
  },
};
