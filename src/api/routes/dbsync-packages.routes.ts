import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { GeosyncContext } from '../../context.ts';
import { dbsyncPackageParamsSchema } from '../../contracts/dbsync.dto.ts';
import { dbsyncPackageListSchema, dbsyncUploadResultSchema } from '../../contracts/dbsync-results.dto.ts';
import { limitBytes, uploadTooLarge } from '../../domain/files/byte-limit.ts';
import { access } from '../../domain/security/permissions.ts';

/**
 * Package archives of the dbsync work folder, for administrators: list, download, upload (a
 * package made by another geosync, checked whole before it is kept), remove. Names are plain
 * file names matching one pattern; a path is never accepted.
 */
export function dbsyncPackagesRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['dbsync'];
  const config = { access: access.admin };
  const service = ctx.dbsync;
  const limit = ctx.config.files.uploadLimitBytes;

  app.get(
    '/api/v1/dbsync/packages',
    {
      config,
      schema: {
        tags,
        summary: 'Packages in the work folder, newest first',
        response: { 200: dbsyncPackageListSchema },
      },
    },
    async (request) => ({ items: await service.listPackages(request.principal!) }),
  );
  app.get(
    '/api/v1/dbsync/packages/:name',
    {
      config,
      schema: { tags, summary: 'Download a package (application/zip)', params: dbsyncPackageParamsSchema },
    },
    async (request, reply) => {
      const { file, bytes } = await service.packageForDownload(request.principal!, request.params.name);
      return reply
        .type('application/zip')
        .header('content-length', bytes)
        .header('content-disposition', `attachment; filename="${request.params.name}"`)
        .send(createReadStream(file));
    },
  );
  app.delete(
    '/api/v1/dbsync/packages/:name',
    { config, schema: { tags, summary: 'Remove a package from the work folder', params: dbsyncPackageParamsSchema } },
    async (request, reply) => {
      await service.removePackage(request.principal!, request.params.name);
      return reply.status(204).send();
    },
  );

  // The body is the archive itself, streamed: its parser lives in its own plugin scope.
  void root.register(async (scoped) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', (request, payload, done) => {
      const declared = Number(request.headers['content-length']);
      if (declared > limit) done(uploadTooLarge(limit), undefined);
      else done(null, payload);
    });
    scoped.withTypeProvider<ZodTypeProvider>().put(
      '/api/v1/dbsync/packages/:name',
      {
        config,
        schema: {
          tags,
          summary: 'Upload a package (the request body), checked whole before it is kept',
          description: `At most ${limit} bytes (files.uploadLimitBytes). A damaged or tampered archive: dbsync_archive_invalid.`,
          params: dbsyncPackageParamsSchema,
          response: { 201: dbsyncUploadResultSchema },
        },
      },
      async (request, reply) => {
        const body = (request.body as Readable | undefined) ?? Readable.from([]);
        const result = await service.uploadPackage(request.principal!, limitBytes(body, limit), {
          name: request.params.name,
        });
        return reply.status(201).send(result);
      },
    );
  });
}
