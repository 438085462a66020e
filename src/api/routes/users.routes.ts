import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { idParamsSchema, pageOf, pageQuerySchema } from '../../contracts/common.dto.ts';
import {
  createRoleSchema,
  createUserSchema,
  roleParamsSchema,
  roleSchema,
  setPasswordSchema,
  updateUserSchema,
  userSchema,
} from '../../contracts/users.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { access } from '../../domain/security/permissions.ts';
import { forbidden } from '../../errors/errors.ts';

export function usersRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];
  const admin = { access: access.admin };

  app.get(
    '/api/v1/users',
    { config: admin, schema: { tags, querystring: pageQuerySchema, response: { 200: pageOf(userSchema) } } },
    async (request) => ctx.users.list(request.query),
  );
  app.post(
    '/api/v1/users',
    { config: admin, schema: { tags, body: createUserSchema, response: { 201: userSchema } } },
    async (request, reply) => reply.status(201).send(await ctx.users.create(request.body)),
  );
  app.get(
    '/api/v1/users/:id',
    { config: admin, schema: { tags, params: idParamsSchema, response: { 200: userSchema } } },
    async (request) => ctx.users.get(request.params.id),
  );
  app.patch(
    '/api/v1/users/:id',
    { config: admin, schema: { tags, params: idParamsSchema, body: updateUserSchema, response: { 200: userSchema } } },
    async (request) => ctx.users.update(request.params.id, request.body, request.principal!),
  );
  app.delete(
    '/api/v1/users/:id',
    { config: admin, schema: { tags, params: idParamsSchema, response: { 204: z.null() } } },
    async (request, reply) => {
      await ctx.users.remove(request.params.id, request.principal!);
      return reply.status(204).send(null);
    },
  );
  // Users change their own password; admins reset anyone's (checked in the service).
  app.put(
    '/api/v1/users/:id/password',
    {
      config: { access: access.authenticated },
      schema: { tags, params: idParamsSchema, body: setPasswordSchema, response: { 204: z.null() } },
    },
    async (request, reply) => {
      const by = request.principal!;
      if (by.userId !== request.params.id && !by.isAdmin) throw forbidden();
      await ctx.users.setPassword(request.params.id, request.body, by);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/roles',
    {
      config: { access: access.authenticated },
      schema: { tags: ['roles'], response: { 200: z.object({ items: z.array(roleSchema) }) } },
    },
    async () => ({ items: await ctx.roles.list() }),
  );
  app.post(
    '/api/v1/roles',
    { config: admin, schema: { tags: ['roles'], body: createRoleSchema, response: { 201: roleSchema } } },
    async (request, reply) =>
      reply.status(201).send(await ctx.roles.create(request.body.name, request.body.description)),
  );
  app.delete(
    '/api/v1/roles/:name',
    { config: admin, schema: { tags: ['roles'], params: roleParamsSchema, response: { 204: z.null() } } },
    async (request, reply) => {
      await ctx.roles.remove(request.params.name);
      return reply.status(204).send(null);
    },
  );
}
