import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

import type { GeosyncContext } from '../../context.ts';
import { access } from '../../domain/security/permissions.ts';

/** Liveness, readiness and Prometheus metrics. */
export function systemRoutes(app: FastifyInstance, ctx: GeosyncContext): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'geosync_' });
  const requests = new Histogram({
    name: 'geosync_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // The route pattern (not the raw URL) keeps the label set small and free of ids.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

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
