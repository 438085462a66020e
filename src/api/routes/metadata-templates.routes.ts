import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { GeosyncContext } from '../../context.ts';
import { idParamsSchema, pageOf } from '../../contracts/common.dto.ts';
import {
  createMetadataTemplateSchema,
  deleteMetadataTemplateQuerySchema,
  metadataTemplateLinkInputSchema,
  metadataTemplateListItemSchema,
  metadataTemplateListQuerySchema,
  metadataTemplateSchema,
  unlinkQuerySchema,
  updateMetadataTemplateSchema,
} from '../../contracts/metadata-templates.dto.ts';
import { access } from '../../domain/security/permissions.ts';

/**
 * Metadata templates and their linked layers. Any logged-in user reaches these; the service
 * checks the template's workspace (read to see, admin to change), as for configurations.
 */
export function metadataTemplatesRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['metadata-templates'];
  const config = { access: access.authenticated };
  const service = ctx.metadataTemplates;

  app.get(
    '/api/v1/metadata-templates',
    {
      config,
      schema: {
        tags,
        summary: 'Metadata templates of the workspaces the caller can see',
        querystring: metadataTemplateListQuerySchema,
        response: { 200: pageOf(metadataTemplateListItemSchema) },
      },
    },
    async (request) => service.list(request.principal!, request.query),
  );
  app.post(
    '/api/v1/metadata-templates',
    {
      config,
      schema: {
        tags,
        summary: 'Create a metadata template (admin on its workspace)',
        body: createMetadataTemplateSchema,
        response: { 201: metadataTemplateSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await service.create(request.principal!, request.body)),
  );
  app.get(
    '/api/v1/metadata-templates/:id',
    {
      config,
      schema: {
        tags,
        summary: 'A template with its linked layers',
        params: idParamsSchema,
        response: { 200: metadataTemplateSchema },
      },
    },
    async (request) => service.get(request.principal!, request.params.id),
  );
  app.patch(
    '/api/v1/metadata-templates/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change fields (null clears the title or abstract)',
        params: idParamsSchema,
        body: updateMetadataTemplateSchema,
        response: { 200: metadataTemplateSchema },
      },
    },
    async (request) => service.update(request.principal!, request.params.id, request.body),
  );
  app.delete(
    '/api/v1/metadata-templates/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Delete; a template with linked layers needs ?force=true',
        params: idParamsSchema,
        querystring: deleteMetadataTemplateQuerySchema,
        response: { 200: z.object({ removed: z.literal(true), unlinked: z.number().int() }) },
      },
    },
    async (request) => service.remove(request.principal!, request.params.id, request.query.force === 'true'),
  );
  app.post(
    '/api/v1/metadata-templates/:id/links',
    {
      config,
      schema: {
        tags,
        summary: 'Link a layer (map server connection, workspace, layer)',
        params: idParamsSchema,
        body: metadataTemplateLinkInputSchema,
        response: { 201: metadataTemplateSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await service.link(request.principal!, request.params.id, request.body)),
  );
  app.delete(
    '/api/v1/metadata-templates/:id/links',
    {
      config,
      schema: {
        tags,
        summary: 'Unlink a layer, named as linked: ?mapServer=&workspace=&layer=',
        params: idParamsSchema,
        querystring: unlinkQuerySchema,
        response: { 200: metadataTemplateSchema },
      },
    },
    async (request) => service.unlink(request.principal!, request.params.id, request.query),
  );
}
