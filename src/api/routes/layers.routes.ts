import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { GeosyncContext } from '../../context.ts';
import {
  layerDetailSchema,
  layerListQuerySchema,
  layerListSchema,
  layerParamsSchema,
  layerTargetsQuerySchema,
  layerTargetsSchema,
  mapServerParamsSchema,
  workspaceLayerParamsSchema,
} from '../../contracts/layers.dto.ts';
import { access } from '../../domain/security/permissions.ts';

/**
 * Layers on map servers, read only (the web UI's Layers page). Any logged-in user reaches these;
 * the service checks the map server connection's roles (404 for a caller who may not use it).
 */
export function layersRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['layers'];
  const config = { access: access.authenticated };
  const service = ctx.layers;

  app.get(
    '/api/v1/layers',
    {
      config,
      schema: {
        tags,
        summary: 'Layers of the local map server (setting publication.localMapServer)',
        querystring: layerListQuerySchema,
        response: { 200: layerListSchema },
      },
    },
    async (request) => service.list(request.principal!, service.localMapServer, request.query),
  );
  app.get(
    '/api/v1/layers/targets',
    {
      config,
      schema: {
        tags,
        summary: 'Publication targets: which other map servers (that the caller may use) also have the layer',
        querystring: layerTargetsQuerySchema,
        response: { 200: layerTargetsSchema },
      },
    },
    async (request) => {
      const { workspace, layer } = request.query;
      return service.targets(request.principal!, { ...(workspace !== undefined && { workspace }), name: layer });
    },
  );
  app.get(
    '/api/v1/map-servers/:name/layers',
    {
      config,
      schema: {
        tags,
        summary: 'Layers of a map server connection, unadvertised ones included',
        params: mapServerParamsSchema,
        querystring: layerListQuerySchema,
        response: { 200: layerListSchema },
      },
    },
    async (request) => service.list(request.principal!, request.params.name, request.query),
  );
  app.get(
    '/api/v1/map-servers/:name/layers/:layer',
    {
      config,
      schema: {
        tags,
        summary: 'A layer without workspace: metadata, source (no secrets), map preview addresses',
        params: layerParamsSchema,
        response: { 200: layerDetailSchema },
      },
    },
    async (request) => service.get(request.principal!, request.params.name, { name: request.params.layer }),
  );
  app.get(
    '/api/v1/map-servers/:name/layers/:workspace/:layer',
    {
      config,
      schema: {
        tags,
        summary: 'A layer of a workspace: metadata, source (no secrets), map preview addresses',
        params: workspaceLayerParamsSchema,
        response: { 200: layerDetailSchema },
      },
    },
    async (request) =>
      service.get(request.principal!, request.params.name, {
        workspace: request.params.workspace,
        name: request.params.layer,
      }),
  );
}
