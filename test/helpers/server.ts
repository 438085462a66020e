/**
 * A running geosync HTTP server for API and browser tests (listening on 127.0.0.1, a free port).
 */
import type { FastifyInstance } from 'fastify';

import { buildServer, type RouteInfo } from '../../src/api/server.ts';
import { createTestGeosync, TEST_ADMIN_PASSWORD, type TestGeosync, type TestGeosyncOptions } from './geosync.ts';

export interface TestServer extends TestGeosync {
  app: FastifyInstance;
  routes: RouteInfo[];
  url: string;
  adminPassword: string;
}

export async function startTestServer(options: TestGeosyncOptions = {}): Promise<TestServer> {
  const geosync = await createTestGeosync(options);
  const { app, routes } = await buildServer(geosync.ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    ...geosync,
    app,
    routes,
    url: `http://127.0.0.1:${port}`,
    adminPassword: TEST_ADMIN_PASSWORD,
    async close() {
      await app.close();
      await geosync.close();
    },
  };
}
