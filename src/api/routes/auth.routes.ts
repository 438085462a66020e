import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { loginRequestSchema, sessionInfoSchema } from '../../contracts/auth.dto.ts';
import { toCurrentUser } from '../../domain/auth/auth.service.ts';
import type { GeosyncContext } from '../../context.ts';
import { access } from '../../domain/security/permissions.ts';
import { SESSION_COOKIE } from '../auth-hooks.ts';

const tags = ['auth'];

export function authRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: access.public },
      schema: {
        tags,
        summary: 'Log in; sets the session cookie',
        body: loginRequestSchema,
        response: { 200: sessionInfoSchema },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const session = await ctx.auth.login(username, password, request.ip);
      const secure =
        ctx.config.auth.secureCookies === 'always' ||
        (ctx.config.auth.secureCookies === 'auto' && request.protocol === 'https');
      reply.setCookie(SESSION_COOKIE, session.sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        expires: session.expiresAt,
      });
      return { user: toCurrentUser(session.principal), csrfToken: session.csrfToken };
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { access: access.authenticated },
      schema: { tags, summary: 'Who am I', response: { 200: sessionInfoSchema } },
    },
    async (request) => {
      const sessionId = request.cookies[SESSION_COOKIE];
      const session = request.principal?.via === 'session' && sessionId ? await ctx.auth.fromSession(sessionId) : null;
      return { user: toCurrentUser(request.principal!), csrfToken: session?.csrfToken };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { access: access.authenticated },
      schema: { tags, summary: 'End the session', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const sessionId = request.cookies[SESSION_COOKIE];
      if (sessionId) await ctx.auth.logout(sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );
}
