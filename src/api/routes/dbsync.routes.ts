import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import type { GeosyncContext } from '../../context.ts';
import {
  dbsyncConflictParamsSchema,
  dbsyncConflictsQuerySchema,
  dbsyncDeployRequestSchema,
  dbsyncFilesGetRequestSchema,
  dbsyncFilesMediaRequestSchema,
  dbsyncFilesSendRequestSchema,
  dbsyncInstallRequestSchema,
  dbsyncMigrateRequestSchema,
  dbsyncPackageRequestSchema,
  dbsyncPairQuerySchema,
  dbsyncPrepareRequestSchema,
  dbsyncResolveRequestSchema,
  dbsyncStatusQuerySchema,
  dbsyncSyncRequestSchema,
} from '../../contracts/dbsync.dto.ts';
import {
  dbsyncConflictPageSchema,
  dbsyncConflictSchema,
  dbsyncDeployResultSchema,
  dbsyncFilesResultSchema,
  dbsyncInstallResultSchema,
  dbsyncMigrateResultSchema,
  dbsyncPackageResultSchema,
  dbsyncPrepareResultSchema,
  dbsyncStatusResultSchema,
  dbsyncSyncResultSchema,
  dbsyncVerifyResultSchema,
} from '../../contracts/dbsync-results.dto.ts';
import { access } from '../../domain/security/permissions.ts';
import { dbsyncPackagesRoutes } from './dbsync-packages.routes.ts';

/**
 * Two-way database sync (docs/dbsync.md). What changes what a database is — install, prepare,
 * migrate, package, deploy — is for administrators; sync, status, verify, conflicts and file
 * sync for any logged-in user whose roles allow every connection named (the service checks;
 * a connection the caller may not use is reported as missing).
 */
export function dbsyncRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['dbsync'];
  const admin = { access: access.admin };
  const user = { access: access.authenticated };
  const service = ctx.dbsync;

  app.post(
    '/api/v1/dbsync/install',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Install the sync structures on a central, or upgrade them in place',
        body: dbsyncInstallRequestSchema,
        response: { 200: dbsyncInstallResultSchema },
      },
    },
    async (request) => service.install(request.principal!, request.body.central),
  );
  app.post(
    '/api/v1/dbsync/prepare',
    {
      config: admin,
      schema: {
        tags,
        summary: "Make the listed schemas' tables syncable (uid, change capture, conflict rules)",
        body: dbsyncPrepareRequestSchema,
        response: { 200: dbsyncPrepareResultSchema },
      },
    },
    async (request) => service.prepare(request.principal!, request.body),
  );
  app.post(
    '/api/v1/dbsync/migrate',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Run a schema change on the central; clones replay it at their next sync',
        body: dbsyncMigrateRequestSchema,
        response: { 200: dbsyncMigrateResultSchema },
      },
    },
    async (request) => service.migrate(request.principal!, request.body),
  );
  app.post(
    '/api/v1/dbsync/package',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Package the central into an archive of the work folder (download it from /dbsync/packages)',
        body: dbsyncPackageRequestSchema,
        response: { 201: dbsyncPackageResultSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await service.createPackage(request.principal!, request.body)),
  );
  app.post(
    '/api/v1/dbsync/deploy',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Deploy a package of the work folder to a clone, in one transaction',
        body: dbsyncDeployRequestSchema,
        response: { 200: dbsyncDeployResultSchema },
      },
    },
    async (request) => service.deploy(request.principal!, request.body),
  );
  dbsyncPackagesRoutes(root, ctx);

  app.post(
    '/api/v1/dbsync/sync',
    {
      config: user,
      schema: {
        tags,
        summary: 'Sync a clone with its central: central → clone, clone → central (counts, conflicts)',
        body: dbsyncSyncRequestSchema,
        response: { 200: dbsyncSyncResultSchema },
      },
    },
    async (request) => service.sync(request.principal!, request.body),
  );
  app.get(
    '/api/v1/dbsync/status',
    {
      config: user,
      schema: {
        tags,
        summary: "The central's clones, pending changes and recent runs; with a clone, pending changes each way",
        querystring: dbsyncStatusQuerySchema,
        response: { 200: dbsyncStatusResultSchema },
      },
    },
    async (request) => service.status(request.principal!, request.query),
  );
  app.get(
    '/api/v1/dbsync/verify',
    {
      config: user,
      schema: {
        tags,
        summary: 'Compare a clone with its central, table by table (row hashes)',
        querystring: dbsyncPairQuerySchema,
        response: { 200: dbsyncVerifyResultSchema },
      },
    },
    async (request) => service.verify(request.principal!, request.query),
  );
  app.get(
    '/api/v1/dbsync/conflicts',
    {
      config: user,
      schema: {
        tags,
        summary: "The central's conflicts (with those its clones detected), newest first",
        querystring: dbsyncConflictsQuerySchema,
        response: { 200: dbsyncConflictPageSchema },
      },
    },
    async (request) => service.conflicts(request.principal!, request.query),
  );
  app.post(
    '/api/v1/dbsync/conflicts/:id/resolve',
    {
      config: user,
      schema: {
        tags,
        summary: "Resolve a conflict: keep the central's, the clone's or a given value (reaches every node)",
        params: dbsyncConflictParamsSchema,
        body: dbsyncResolveRequestSchema,
        response: { 200: dbsyncConflictSchema },
      },
    },
    async (request) => service.resolveConflict(request.principal!, request.params.id, request.body),
  );
  const filesRoute = (summary: string) => ({ tags, summary, response: { 200: dbsyncFilesResultSchema } });
  app.post(
    '/api/v1/dbsync/files/get',
    {
      config: user,
      schema: {
        ...filesRoute('Projects and files from the central file service to a clone folder (QGIS projects adapted)'),
        body: dbsyncFilesGetRequestSchema,
      },
    },
    async (request) => service.filesGet(request.principal!, request.body),
  );
  app.post(
    '/api/v1/dbsync/files/send',
    {
      config: user,
      schema: { ...filesRoute("A local project folder to a clone's file service"), body: dbsyncFilesSendRequestSchema },
    },
    async (request) => service.filesSend(request.principal!, request.body),
  );
  app.post(
    '/api/v1/dbsync/files/media',
    {
      config: user,
      schema: {
        ...filesRoute("New media of a clone's media/upload/ to the central's"),
        body: dbsyncFilesMediaRequestSchema,
      },
    },
    async (request) => service.filesMedia(request.principal!, request.body),
  );
}
