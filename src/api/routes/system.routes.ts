import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';

import type { GeosyncContext } from '../../domain/context.ts';
import { access } from '../../domain/security/permissions.ts';

/** Liveness, readiness and Prometheus metrics. */
export function systemRoutes(app: FastifyInstance, ctx: GeosyncContext): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'geosync_' });

  app.get('/healthz', { config: { access: access.public }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { access: access.public }, schema: { hide: true } }, async (_request, reply) => {
    const ready = await ctx.isReady().catch(() => false);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', store: ctx.storeBackend });
  });

  app.get(
    '/metrics',
    { config: { access: ctx.config.metrics.public ? access.public : access.admin }, schema: { hide: true } },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
