import { z } from 'zod';

import {
  commitAppSchemaPublication,
  rollbackAppSchemaPublication,
  runAppSchemaPublication,
} from '../local-app-schema-publication/app-schema-publication.ts';
import { layerRef } from '../local-db-publication/layer-staging.ts';
import { param } from '../parameter.ts';
import type { TaskType } from '../task-type.ts';

/** Parameter names are the Task Manager's (AppSchemaRemotePublicationTaskTypeImpl), so its exports import unchanged. */
const parameters = z.strictObject({
  'external-geoserver': param.mapServer('The map server it is published on: a GeoServer', { needs: ['appSchema'] }),
  fileService: param.fileService('The file service holding the mapping'),
  file: param.file(
    'fileService',
    "The app-schema mapping (.xml), or a ZIP of mappings whose main file has the ZIP's name; ### reads the latest version",
  ),
  'auto-versioned': param
    .boolean('The mapping is versioned: its latest version is read (.### before the extension)')
    .optional(),
  database: param.database(
    "The PostGIS database whose connection parameters, as that map server reaches it, fill the mapping's placeholders",
  ),
  workspace: param.workspace('The workspace of the layer on the map server').optional(),
  layer: param.layer('workspace', 'The name of the layer: the mapped feature type it publishes'),
});
type Parameters = z.infer<typeof parameters>;

/**
 * Publishes an app-schema mapping on another map server (a GeoServer). Unlike the Task
 * Manager, which copied the local layer's mapping, the mapping comes from the file service, filled
 * with the database's parameters as seen from that server (the connection's `publishAs` entry for
 * it), so the same template serves every GeoServer.
 */
export const remoteAppSchemaPublicationTask: TaskType<Parameters> = {
  type: 'RemoteAppSchemaPublication',
  title: 'Publish an app-schema mapping remotely',
  description:
    'Publishes an app-schema mapping (templated with a database connection as that server sees it) on another GeoServer',
  capability: 'transactional',
  supportsCleanup: true,
  parameters,
  run: (params, ctx) =>
    runAppSchemaPublication(params, { name: params['external-geoserver'], field: 'external-geoserver' }, ctx),
  commitStaged: commitAppSchemaPublication,
  rollbackStaged: rollbackAppSchemaPublication,
  async cleanup(params, ctx) {
    const publisher = await ctx.services.connections.mapServer(params['external-geoserver']);
    await publisher.removeLayer(layerRef(params.workspace, params.layer), ctx.signal);
  },
};
