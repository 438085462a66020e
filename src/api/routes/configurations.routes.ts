import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { GeosyncContext } from '../../context.ts';
import { idParamsSchema, pageOf } from '../../contracts/common.dto.ts';
import {
  configurationListItemSchema,
  configurationListQuerySchema,
  cleanupReportSchema,
  configurationSchema,
  createConfigurationSchema,
  removeConfigurationQuerySchema,
  updateConfigurationSchema,
} from '../../contracts/configurations.dto.ts';
import { bulkImportFromCsv } from '../../domain/configurations/bulk-import.ts';
import { parseDocument, serializeDocument } from '../../domain/configurations/formats/document-format.ts';
import { importTaskManagerXml } from '../../domain/configurations/formats/taskmanager-xml.ts';
import { allowedValues } from '../../domain/configurations/allowed-values.ts';
import { startInitializeIfDue } from '../../domain/configurations/initialize-run.ts';
import { access } from '../../domain/security/permissions.ts';
import type { Principal } from '../../domain/security/principal.ts';
import { notFound } from '../../errors/errors.ts';
import type { ParameterKind } from '../../tasks/parameter.ts';

const IMPORT_LIMIT = 20 * 1024 * 1024;

/** Templates and configurations. Workspace rights are checked in the service (the workspace is in the body or the object). */
export function configurationsRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['configurations'];
  const config = { access: access.authenticated };
  const queueInitialize = (principal: Principal) => (batchId: string) =>
    ctx.engine.runNow({ batchId, trigger: 'initialize', startedBy: principal.username });
  // Text bodies for imports: YAML/JSON documents, Task Manager XML, CSV.
  for (const type of ['text/csv', 'application/xml', 'text/xml', 'application/yaml', 'text/yaml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: IMPORT_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
  }

  app.get(
    '/api/v1/configurations',
    {
      config,
      schema: {
        tags,
        summary: 'Templates and configurations the caller can see',
        querystring: configurationListQuerySchema,
        response: { 200: pageOf(configurationListItemSchema) },
      },
    },
    async (request) => ctx.configurations.list(request.principal!, request.query),
  );
  app.post(
    '/api/v1/configurations',
    {
      config,
      schema: {
        tags,
        summary: 'Create (from scratch, or a copy of a template or configuration with `from`)',
        body: createConfigurationSchema,
        response: { 201: configurationSchema },
      },
    },
    async (request, reply) => {
      const created = await ctx.configurations.create(request.principal!, request.body);
      // An initializing template's copy starts its `@Initialize` batch at once (Task Manager behaviour).
      created.initializeRunId = await startInitializeIfDue(ctx.db, created, queueInitialize(request.principal!));
      return reply.status(201).send(created);
    },
  );
  app.get(
    '/api/v1/configurations/:id',
    { config, schema: { tags, params: idParamsSchema, response: { 200: configurationSchema } } },
    async (request) => ctx.configurations.get(request.principal!, request.params.id),
  );
  app.patch(
    '/api/v1/configurations/:id',
    {
      config,
      schema: { tags, params: idParamsSchema, body: updateConfigurationSchema, response: { 200: configurationSchema } },
    },
    async (request) => {
      const updated = await ctx.configurations.update(request.principal!, request.params.id, request.body);
      // Every save in init mode with the `@Initialize` values complete starts it, unless one is open.
      try {
        updated.initializeRunId = await startInitializeIfDue(ctx.db, updated, queueInitialize(request.principal!));
      } catch (error) {
        // The save itself is done: answer it; the next save (or bulk initialize) starts the run.
        request.log.error({ err: error }, 'could not start @Initialize after a save');
      }
      return updated;
    },
  );
  app.delete(
    '/api/v1/configurations/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Remove (run history kept); ?cleanup=true first removes what its tasks created',
        params: idParamsSchema,
        querystring: removeConfigurationQuerySchema,
        response: { 200: cleanupReportSchema },
      },
    },
    async (request) =>
      ctx.configurations.remove(request.principal!, request.params.id, request.query.cleanup === 'true'),
  );
  app.get(
    '/api/v1/configurations/:id/attributes/:name/values',
    {
      config,
      schema: {
        tags,
        summary: 'Values an attribute may take (null: free text)',
        params: z.strictObject({ id: z.uuid(), name: z.string().min(1).max(100) }),
        response: { 200: z.object({ values: z.array(z.string()).nullable() }) },
      },
    },
    async (request) => {
      const configuration = await ctx.configurations.get(request.principal!, request.params.id);
      const attribute = configuration.attributes.find((a) => a.name === request.params.name);
      if (!attribute) throw notFound('Attribute', request.params.name);
      // A table list needs the database chosen in the attribute it depends on.
      const database = attribute.dependsOn
        .map((name) => configuration.attributes.find((a) => a.name === name)?.value)
        .find((value) => typeof value === 'string' && value !== '');
      // Map servers only if they can do what the parameters reading the attribute need.
      const needs = ctx.configurations.capabilitiesNeededBy(configuration, attribute.name);
      return {
        values: await allowedValues(
          attribute.kinds as ParameterKind[],
          request.principal!,
          ctx,
          database ?? undefined,
          needs,
        ),
      };
    },
  );
  app.post(
    '/api/v1/configurations/:id/apply-template',
    {
      config,
      schema: {
        tags,
        summary: "Apply the template's current tasks and batches (resolves drift; attribute values stay)",
        params: idParamsSchema,
        response: { 200: configurationSchema },
      },
    },
    async (request) => ctx.configurations.applyTemplate(request.principal!, request.params.id),
  );
  app.post(
    '/api/v1/configurations/:id/validate',
    {
      config,
      schema: {
        tags,
        summary: 'Validate; only validated configurations are scheduled',
        params: idParamsSchema,
        response: { 200: configurationSchema },
      },
    },
    async (request) => ctx.configurations.validate(request.principal!, request.params.id),
  );
  app.get(
    '/api/v1/configurations/:id/export',
    {
      config,
      schema: {
        tags,
        summary: 'Export as a versioned JSON or YAML document',
        params: idParamsSchema,
        querystring: z.strictObject({ format: z.enum(['json', 'yaml']).default('json') }),
      },
    },
    async (request, reply) => {
      const document = await ctx.configurations.exportDocument(request.principal!, request.params.id);
      const format = request.query.format;
      return reply
        .type(format === 'yaml' ? 'application/yaml' : 'application/json')
        .header('content-disposition', `attachment; filename="${document.name}.${format}"`)
        .send(serializeDocument(document, format));
    },
  );
  app.post(
    '/api/v1/configurations/import',
    {
      config,
      bodyLimit: IMPORT_LIMIT,
      schema: {
        tags,
        summary: 'Import a document (JSON or YAML body); ?workspace= and ?name= override its own',
        querystring: z.strictObject({ workspace: z.string().max(63).optional(), name: z.string().max(63).optional() }),
        response: { 201: configurationSchema },
      },
    },
    async (request, reply) => {
      const text = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const created = await ctx.configurations.importDocument(request.principal!, parseDocument(text), request.query);
      return reply.status(201).send(created);
    },
  );
  app.post(
    '/api/v1/configurations/import-taskmanager',
    {
      config,
      bodyLimit: IMPORT_LIMIT,
      schema: {
        tags,
        summary: 'Import a GeoServer Task Manager XML export',
        querystring: z.strictObject({
          workspace: z.string().min(1).max(63),
          name: z.string().max(63).optional(),
          template: z.enum(['true', 'false']).optional(),
        }),
        response: { 201: z.object({ configuration: configurationSchema, warnings: z.array(z.string()) }) },
      },
    },
    async (request, reply) => {
      const { document, warnings } = importTaskManagerXml(typeof request.body === 'string' ? request.body : '');
      if (request.query.template) document.template = request.query.template === 'true';
      const configuration = await ctx.configurations.importDocument(request.principal!, document, request.query);
      return reply.status(201).send({ configuration, warnings });
    },
  );
  app.post(
    '/api/v1/bulk/import',
    {
      config,
      bodyLimit: IMPORT_LIMIT,
      schema: {
        tags: ['bulk'],
        summary: 'Create configurations from a template and a CSV body (text/csv), one per row',
        querystring: z.strictObject({ template: z.uuid() }),
        response: {
          200: z.object({
            created: z.number(),
            failed: z.number(),
            rows: z.array(
              z.object({
                line: z.number(),
                name: z.string(),
                ok: z.boolean(),
                id: z.string().optional(),
                validated: z.boolean().optional(),
                message: z.string().optional(),
              }),
            ),
          }),
        },
      },
    },
    async (request) =>
      bulkImportFromCsv(
        ctx.configurations,
        request.principal!,
        request.query.template,
        typeof request.body === 'string' ? request.body : '',
      ),
  );
}
