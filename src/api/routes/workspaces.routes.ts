import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { idParamsSchema, pageOf, pageQuerySchema } from '../../contracts/common.dto.ts';
import {
  createWorkspaceSchema,
  grantsSchema,
  updateWorkspaceSchema,
  workspaceSchema,
} from '../../contracts/workspaces.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { access } from '../../domain/security/permissions.ts';

export function workspacesRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['workspaces'];

  app.get(
    '/api/v1/workspaces',
    {
      config: { access: access.authenticated },
      schema: { tags, querystring: pageQuerySchema, response: { 200: pageOf(workspaceSchema) } },
    },
    async (request) => ctx.workspaces.list(request.principal!, request.query),
  );
  app.post(
    '/api/v1/workspaces',
    {
      config: { access: access.admin },
      schema: { tags, body: createWorkspaceSchema, response: { 201: workspaceSchema } },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await ctx.workspaces.create(request.principal!, request.body.name, request.body.description)),
  );
  app.get(
    '/api/v1/workspaces/:id',
    {
      config: { access: access.workspace('read') },
      schema: { tags, params: idParamsSchema, response: { 200: workspaceSchema } },
    },
    async (request) => ctx.workspaces.get(request.principal!, request.params.id),
  );
  app.patch(
    '/api/v1/workspaces/:id',
    {
      config: { access: access.workspace('admin') },
      schema: { tags, params: idParamsSchema, body: updateWorkspaceSchema, response: { 200: workspaceSchema } },
    },
    async (request) => ctx.workspaces.update(request.principal!, request.params.id, request.body),
  );
  app.delete(
    '/api/v1/workspaces/:id',
    { config: { access: access.admin }, schema: { tags, params: idParamsSchema, response: { 204: z.null() } } },
    async (request, reply) => {
      await ctx.workspaces.remove(request.principal!, request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.get(
    '/api/v1/workspaces/:id/grants',
    {
      config: { access: access.workspace('admin') },
      schema: { tags, params: idParamsSchema, response: { 200: grantsSchema } },
    },
    async (request) => ({ grants: await ctx.workspaces.grants(request.principal!, request.params.id) }),
  );
  app.put(
    '/api/v1/workspaces/:id/grants',
    {
      config: { access: access.workspace('admin') },
      schema: {
        tags,
        summary: 'Replace all grants',
        params: idParamsSchema,
        body: grantsSchema,
        response: { 200: grantsSchema },
      },
    },
    async (request) => ({
      grants: await ctx.workspaces.setGrants(request.principal!, request.params.id, request.body.grants),
    }),
  );
}
