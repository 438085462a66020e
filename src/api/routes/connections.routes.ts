import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { idParamsSchema, pageOf, pageQuerySchema } from '../../contracts/common.dto.ts';
import {
  connectionKindSchema,
  connectionSchema,
  connectionTestResultSchema,
  connectionTypeSchema,
  createConnectionSchema,
  updateConnectionSchema,
} from '../../contracts/connections.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { access } from '../../domain/security/permissions.ts';
import { describeConnectorType } from '../../connectors/json-schema.ts';

export function connectionsRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['connections'];
  const anyUser = { access: access.authenticated };
  const admin = { access: access.admin };

  app.get(
    '/api/v1/connection-types',
    {
      config: anyUser,
      schema: {
        tags,
        summary: 'Connection types that can be added, with their settings schema',
        response: { 200: z.object({ items: z.array(connectionTypeSchema) }) },
      },
    },
    async () => ({
      items: ctx.connectorTypes.creatable().map(describeConnectorType),
    }),
  );

  app.get(
    '/api/v1/connections',
    {
      config: anyUser,
      schema: {
        tags,
        summary: 'Connections the caller may use',
        querystring: pageQuerySchema.extend({ kind: connectionKindSchema.optional() }),
        response: { 200: pageOf(connectionSchema) },
      },
    },
    async (request) => {
      const { kind, ...page } = request.query;
      return ctx.connections.list(request.principal!, page, kind);
    },
  );
  app.post(
    '/api/v1/connections',
    { config: admin, schema: { tags, body: createConnectionSchema, response: { 201: connectionSchema } } },
    async (request, reply) => reply.status(201).send(await ctx.connections.create(request.body)),
  );
  app.get(
    '/api/v1/connections/:id',
    { config: anyUser, schema: { tags, params: idParamsSchema, response: { 200: connectionSchema } } },
    async (request) => ctx.connections.get(request.principal!, request.params.id),
  );
  app.patch(
    '/api/v1/connections/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a connection; secret settings left out keep their value',
        params: idParamsSchema,
        body: updateConnectionSchema,
        response: { 200: connectionSchema },
      },
    },
    async (request) => ctx.connections.update(request.principal!, request.params.id, request.body),
  );
  app.delete(
    '/api/v1/connections/:id',
    { config: admin, schema: { tags, params: idParamsSchema, response: { 204: z.null() } } },
    async (request, reply) => {
      await ctx.connections.remove(request.principal!, request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/api/v1/connections/:id/test',
    {
      config: anyUser,
      schema: {
        tags,
        summary: 'Check that the connection works',
        params: idParamsSchema,
        response: { 200: connectionTestResultSchema },
      },
    },
    async (request) => ctx.connections.test(request.principal!, request.params.id),
  );
}
