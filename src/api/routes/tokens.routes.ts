import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { idParamsSchema } from '../../contracts/common.dto.ts';
import { apiTokenSchema, createApiTokenSchema, createdApiTokenSchema } from '../../contracts/users.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { access } from '../../domain/security/permissions.ts';

/** The caller's own API tokens. */
export function tokensRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['tokens'];
  const config = { access: access.authenticated };

  app.get(
    '/api/v1/tokens',
    { config, schema: { tags, response: { 200: z.object({ items: z.array(apiTokenSchema) }) } } },
    async (request) => ({
      items: await ctx.tokens.list(request.principal!),
    }),
  );
  app.post(
    '/api/v1/tokens',
    {
      config,
      schema: {
        tags,
        summary: 'Create a token; its value is shown only in this answer',
        body: createApiTokenSchema,
        response: { 201: createdApiTokenSchema },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await ctx.tokens.create(request.principal!, request.body.name, request.body.expiresInDays)),
  );
  app.delete(
    '/api/v1/tokens/:id',
    { config, schema: { tags, params: idParamsSchema, response: { 204: z.null() } } },
    async (request, reply) => {
      await ctx.tokens.revoke(request.principal!, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
