import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { GeosyncContext } from '../../context.ts';
import { idParamsSchema } from '../../contracts/common.dto.ts';
import { access } from '../../domain/security/permissions.ts';

const POLL_MS = 500;
const ENDED = (status: string) => !['queued', 'running'].includes(status);

/**
 * Live run view over Server-Sent Events: `run` events carry the whole run when it changes, `log`
 * events new log lines; the stream ends after the run has ended. Polls the store, so it works the
 * same on every node of a cluster.
 */
export function runEventsRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/runs/:id/events',
    {
      config: { access: access.authenticated },
      schema: { tags: ['runs'], summary: 'Follow a run live (text/event-stream)', params: idParamsSchema },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const id = request.params.id;
      let run = await ctx.runs.get(principal, id); // 404 before the stream starts
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': String(request.id),
      });
      const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      let closed = false;
      request.raw.on('close', () => (closed = true));
      let lastRun = '';
      let lastLogId = 0;
      while (!closed) {
        const text = JSON.stringify(run);
        if (text !== lastRun) send('run', run);
        lastRun = text;
        for (const line of await ctx.runs.log(principal, id, lastLogId)) {
          send('log', line);
          lastLogId = line.id;
        }
        if (ENDED(run.status)) break;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        run = await ctx.runs.get(principal, id);
      }
      send('end', { status: run.status });
      out.end();
    },
  );
}
