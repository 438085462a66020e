import { Readable } from 'node:stream';

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import { idParamsSchema } from '../../contracts/common.dto.ts';
import {
  fileListingSchema,
  fileListQuerySchema,
  fileUploadQuerySchema,
  fileUploadResultSchema,
} from '../../contracts/files.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { uploadTooLarge } from '../../domain/files/byte-limit.ts';
import { access } from '../../domain/security/permissions.ts';

/**
 * Files of file-service connections: browse and upload. Any logged-in user reaches these; the
 * service checks the connection's roles (404 for a connection the caller may not use).
 */
export function filesRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const tags = ['files'];
  const config = { access: access.authenticated };
  const limit = ctx.config.files.uploadLimitBytes;

  root.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/connections/:id/files',
    {
      config,
      schema: {
        tags,
        summary: 'List a folder of a file-service connection',
        params: idParamsSchema,
        querystring: fileListQuerySchema,
        response: { 200: fileListingSchema },
      },
    },
    async (request) => ctx.files.list(request.principal!, request.params.id, request.query.path),
  );

  // The upload body is the file itself, of any type, streamed: only this route reads raw bodies,
  // so its parser lives in its own plugin scope instead of changing every route's.
  void root.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', (request, payload, done) => {
      const declared = Number(request.headers['content-length']);
      if (declared > limit) done(uploadTooLarge(limit), undefined);
      else done(null, payload);
    });
    scoped.withTypeProvider<ZodTypeProvider>().put(
      '/api/v1/connections/:id/files',
      {
        config,
        schema: {
          tags,
          summary: 'Upload a file (the request body), optionally run through the prepare script first',
          description: `The body is stored as it is, whatever its content type; at most ${limit} bytes.`,
          params: idParamsSchema,
          querystring: fileUploadQuerySchema,
          response: { 201: fileUploadResultSchema },
        },
      },
      async (request, reply) => {
        // No body at all (an empty file) leaves nothing to parse.
        const body = (request.body as Readable | undefined) ?? Readable.from([]);
        const result = await ctx.files.upload(request.principal!, request.params.id, request.query.path, body, {
          prepare: request.query.prepare === 'true',
          maxBytes: limit,
        });
        return reply.status(201).send(result);
      },
    );
  });
}
