import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { GeosyncContext } from '../context.ts';
import { assertAdmin, assertAuthenticated, assertWorkspaceLevel } from '../domain/security/permissions.ts';
import { forbidden, notFound, UnexpectedError } from '../errors/errors.ts';
import { safeEqual } from '../lib/random-token.ts';

export const SESSION_COOKIE = 'geosync_session';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Finds who is calling (API token or session cookie), checks CSRF for cookie sessions, then
 * applies the route's declared access rule. Runs for every route: one permission check.
 */
export function registerAuthHooks(app: FastifyInstance, ctx: GeosyncContext): void {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const isApi = route.url.startsWith('/api/v1');
    if (isApi && !route.config?.access) {
      throw new UnexpectedError(
        'route_without_access',
        `Route ${String(route.method)} ${route.url} declares no access rule`,
      );
    }
  });

  // Authentication first (onRequest), so an anonymous caller gets 401 before any body check.
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const rule = request.routeOptions.config.access ?? { kind: 'public' };
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      request.principal = await ctx.auth.fromToken(header.slice(7).trim());
    } else {
      const sessionId = request.cookies[SESSION_COOKIE];
      const session = sessionId ? await ctx.auth.fromSession(sessionId) : null;
      if (session) {
        // Cookies ride along on cross-site requests; a header read from our own page cannot.
        if (UNSAFE.has(request.method) && rule.kind !== 'public') {
          const sent = request.headers['x-csrf-token'];
          if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
            throw forbidden('Missing or wrong x-csrf-token header');
          }
        }
        request.principal = session.principal;
      }
    }
    switch (rule.kind) {
      case 'public':
        return;
      case 'authenticated':
        assertAuthenticated(request.principal);
        return;
      case 'admin':
        assertAdmin(request.principal);
        return;
      case 'workspace':
        assertAuthenticated(request.principal);
        return;
    }
  });

  // Workspace rules read the `id` path parameter; they run before body validation so a caller
  // without the right learns nothing from validation messages.
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const rule = request.routeOptions.config.access;
    if (rule?.kind !== 'workspace') return;
    const id = (request.params as { id?: string }).id ?? '';
    if (!UUID.test(id)) throw notFound('Workspace', id);
    await assertWorkspaceLevel(ctx.db, request.principal, id, rule.level);
  });
}
