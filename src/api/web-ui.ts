import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const WEB_DIST = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Serves the built web UI; unknown non-API paths get index.html so the UI's own routes work. */
export async function registerWebUi(app: FastifyInstance): Promise<boolean> {
  if (!existsSync(`${WEB_DIST}index.html`)) return false;
  await app.register(fastifyStatic, { root: WEB_DIST, wildcard: false, index: ['index.html'] });
  return true;
}
