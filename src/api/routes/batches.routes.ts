import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { GeosyncContext } from '../../context.ts';
import {
  batchListQuerySchema,
  batchSchema,
  createBatchSchema,
  runListQuerySchema,
  runLogSchema,
  runSchema,
  schedulePreviewSchema,
  updateBatchSchema,
} from '../../contracts/batches.dto.ts';
import { idParamsSchema, pageOf } from '../../contracts/common.dto.ts';
import { bulkInitialize, bulkRun } from '../../domain/batches/bulk-run.ts';
import { access } from '../../domain/security/permissions.ts';
import { describeSchedule, nextFireTimes, validateSchedule } from '../../engine/scheduler/schedule.ts';

const bulkResultSchema = z.object({
  queued: z.number(),
  items: z.array(
    z.object({
      batchId: z.string(),
      name: z.string(),
      runId: z.string().optional(),
      startsAt: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
});

/** Batches, their runs, and schedule previews. Workspace rights are checked in the services. */
export function batchesRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const config = { access: access.authenticated };
  const tags = ['batches'];

  app.get(
    '/api/v1/batches',
    {
      config,
      schema: {
        tags,
        summary: 'Batches (without `@` ones unless a configuration is given)',
        querystring: batchListQuerySchema,
        response: { 200: pageOf(batchSchema) },
      },
    },
    async (request) => ctx.batches.list(request.principal!, request.query),
  );
  app.post(
    '/api/v1/batches',
    { config, schema: { tags, body: createBatchSchema, response: { 201: batchSchema } } },
    async (request, reply) => reply.status(201).send(await ctx.batches.create(request.principal!, request.body)),
  );
  app.get(
    '/api/v1/batches/:id',
    { config, schema: { tags, params: idParamsSchema, response: { 200: batchSchema } } },
    async (request) => ctx.batches.get(request.principal!, request.params.id),
  );
  app.patch(
    '/api/v1/batches/:id',
    { config, schema: { tags, params: idParamsSchema, body: updateBatchSchema, response: { 200: batchSchema } } },
    async (request) => ctx.batches.update(request.principal!, request.params.id, request.body),
  );
  app.delete(
    '/api/v1/batches/:id',
    { config, schema: { tags, params: idParamsSchema, response: { 204: z.null() } } },
    async (request, reply) => {
      await ctx.batches.remove(request.principal!, request.params.id);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/api/v1/batches/:id/run',
    {
      config,
      schema: {
        tags,
        summary: 'Run now; answers with the queued run',
        params: idParamsSchema,
        response: { 202: runSchema },
      },
    },
    async (request, reply) => {
      await ctx.batches.assertRunnable(request.principal!, request.params.id);
      const runId = await ctx.engine.runNow({
        batchId: request.params.id,
        trigger: 'manual',
        startedBy: request.principal!.username,
      });
      return reply.status(202).send(await ctx.runs.get(request.principal!, runId));
    },
  );
  app.post(
    '/api/v1/bulk/run',
    {
      config,
      schema: {
        tags: ['bulk'],
        summary: 'Run every batch matching the name patterns (`*` wildcard), staggered',
        body: z.strictObject({
          workspace: z.string().max(100).optional(),
          configuration: z.string().max(100).optional(),
          batch: z.string().max(100).optional(),
          delaySeconds: z.number().int().min(0).max(86_400).default(0),
          intervalSeconds: z.number().int().min(0).max(86_400).default(0),
        }),
        response: { 200: bulkResultSchema },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const items = await bulkRun(ctx.db, ctx.batches, principal, request.body, (batchId, startAfter) =>
        ctx.engine.runNow({ batchId, trigger: 'bulk', startedBy: principal.username }, startAfter),
      );
      return { queued: items.filter((i) => i.runId).length, items };
    },
  );
  app.post(
    '/api/v1/bulk/initialize',
    {
      config,
      schema: {
        tags: ['bulk'],
        summary: 'Start `@Initialize` of every configuration still in init mode matching the patterns, staggered',
        body: z.strictObject({
          workspace: z.string().max(100).optional(),
          configuration: z.string().max(100).optional(),
          delaySeconds: z.number().int().min(0).max(86_400).default(0),
          intervalSeconds: z.number().int().min(0).max(86_400).default(0),
        }),
        response: { 200: bulkResultSchema },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const items = await bulkInitialize(ctx.db, ctx.batches, principal, request.body, (batchId, startAfter) =>
        ctx.engine.runNow({ batchId, trigger: 'initialize', startedBy: principal.username }, startAfter),
      );
      return { queued: items.filter((i) => i.runId).length, items };
    },
  );
  app.post(
    '/api/v1/schedule-preview',
    {
      config,
      schema: {
        tags,
        summary: 'Check a schedule and show its next fire times',
        body: schedulePreviewSchema,
        response: {
          200: z.object({ quartz: z.string().optional(), description: z.string(), fires: z.array(z.string()) }),
        },
      },
    },
    async (request) => {
      const { schedule, timeZone, count } = request.body;
      const now = new Date();
      validateSchedule(schedule, timeZone, now);
      return {
        description: describeSchedule(schedule, timeZone),
        fires: nextFireTimes(schedule, timeZone, now, count).map((d) => d.toISOString()),
      };
    },
  );

  const runTags = ['runs'];
  app.get(
    '/api/v1/runs',
    { config, schema: { tags: runTags, querystring: runListQuerySchema, response: { 200: pageOf(runSchema) } } },
    async (request) => ctx.runs.list(request.principal!, request.query),
  );
  app.get(
    '/api/v1/runs/:id',
    { config, schema: { tags: runTags, params: idParamsSchema, response: { 200: runSchema } } },
    async (request) => ctx.runs.get(request.principal!, request.params.id),
  );
  app.get(
    '/api/v1/runs/:id/log',
    {
      config,
      schema: {
        tags: runTags,
        params: idParamsSchema,
        querystring: z.strictObject({ after: z.coerce.number().int().min(0).default(0) }),
        response: { 200: runLogSchema },
      },
    },
    async (request) => ({
      items: await ctx.runs.log(request.principal!, request.params.id, request.query.after),
    }),
  );
  app.post(
    '/api/v1/runs/:id/interrupt',
    {
      config,
      schema: {
        tags: runTags,
        summary: 'Ask a running run to stop and roll back',
        params: idParamsSchema,
        response: { 202: runSchema },
      },
    },
    async (request, reply) => reply.status(202).send(await ctx.runs.interrupt(request.principal!, request.params.id)),
  );

  app.get(
    '/api/v1/task-types',
    {
      config,
      schema: {
        tags: ['task-types'],
        response: {
          200: z.object({
            items: z.array(
              z.object({
                type: z.string(),
                title: z.string(),
                description: z.string(),
                capability: z.string(),
                supportsCleanup: z.boolean(),
                parameters: z.array(
                  z.object({
                    name: z.string(),
                    kind: z.string(),
                    required: z.boolean(),
                    description: z.string().optional(),
                    dependsOn: z.array(z.object({ name: z.string(), enforced: z.boolean() })),
                  }),
                ),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      items: ctx.taskTypes.list().map((t) => ({
        type: t.type,
        title: t.title,
        description: t.description,
        capability: t.capability,
        supportsCleanup: t.supportsCleanup,
        parameters: ctx.taskTypes.parametersOf(t.type).map((p) => ({
          name: p.name,
          kind: p.kind,
          required: p.required,
          description: p.description,
          dependsOn: p.dependsOn ?? [],
        })),
      })),
    }),
  );
}
