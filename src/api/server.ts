import { randomUUID } from 'node:crypto';

import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';

import type { GeosyncContext } from '../context.ts';
import { registerAuthHooks } from './auth-hooks.ts';
import './fastify-augment.ts';
import { sendProblem, toProblem } from './problem.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { batchesRoutes } from './routes/batches.routes.ts';
import { configurationsRoutes } from './routes/configurations.routes.ts';
import { runEventsRoutes } from './routes/run-events.routes.ts';
import { connectionsRoutes } from './routes/connections.routes.ts';
import { dbsyncRoutes } from './routes/dbsync.routes.ts';
import { filesRoutes } from './routes/files.routes.ts';
import { layersRoutes } from './routes/layers.routes.ts';
import { metadataTemplatesRoutes } from './routes/metadata-templates.routes.ts';
import { ogcRoutes } from './routes/ogc.routes.ts';
import { systemRoutes } from './routes/system.routes.ts';
import { tokensRoutes } from './routes/tokens.routes.ts';
import { usersRoutes } from './routes/users.routes.ts';
import { workspacesRoutes } from './routes/workspaces.routes.ts';
import { registerWebUi } from './web-ui.ts';

/** Route groups in registration order; a new group is added here. */
const ROUTE_GROUPS = [
  systemRoutes,
  authRoutes,
  usersRoutes,
  tokensRoutes,
  workspacesRoutes,
  connectionsRoutes,
  filesRoutes,
  configurationsRoutes,
  batchesRoutes,
  metadataTemplatesRoutes,
  layersRoutes,
  dbsyncRoutes,
  runEventsRoutes,
  ogcRoutes,
];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface RouteInfo {
  method: string;
  url: string;
}

export interface BuiltServer {
  app: FastifyInstance;
  webUi: boolean;
  /** Every route registered (HEAD twins left out), for the permission-matrix test and docs. */
  routes: RouteInfo[];
}

/** Builds the HTTP server over the services; the only place errors become HTTP answers. */
export async function buildServer(ctx: GeosyncContext): Promise<BuiltServer> {
  // Typed as Fastify's logger so the instance type stays the default one route modules expect.
  const loggerInstance: FastifyBaseLogger = ctx.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: ctx.config.server.bodyLimitBytes,
    trustProxy: ctx.config.server.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
  });
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'geosync API', version: '1' },
      components: {
        securitySchemes: {
          token: { type: 'http', scheme: 'bearer', description: 'An API token (gs_...)' },
          session: { type: 'apiKey', in: 'cookie', name: 'geosync_session' },
        },
      },
      security: [{ token: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    return sendProblem(reply, problem);
  });

  registerAuthHooks(app, ctx);
  for (const group of ROUTE_GROUPS) group(app, ctx);
  const webUi = await registerWebUi(app);

  app.setNotFoundHandler((request, reply) => {
    const wantsPage = request.method === 'GET' && !request.url.startsWith('/api/') && webUi;
    if (wantsPage) return reply.type('text/html').sendFile('index.html');
    return sendProblem(reply, {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}`,
      code: 'route_not_found',
      requestId: String(request.id),
    });
  });
  return { app, webUi, routes };
}
