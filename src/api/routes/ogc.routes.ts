import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

import {
  collectionParamsSchema,
  collectionSchema,
  collectionsSchema,
  conformanceSchema,
  featureCollectionSchema,
  featureParamsSchema,
  itemsQuerySchema,
  landingPageSchema,
  ogcFeatureSchema,
  ogcFormatQuerySchema,
  tileParamsSchema,
} from '../../contracts/ogc.dto.ts';
import type { GeosyncContext } from '../../context.ts';
import { MVT_TYPE } from '../../domain/publication/ogc.service.ts';
import { access } from '../../domain/security/permissions.ts';
import { sendProblem } from '../problem.ts';

export const OGC_PREFIX = '/ogc';

/** This server's /ogc address as the caller reached it (behind a proxy: see server.trustProxy). */
const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}${OGC_PREFIX}`;

/**
 * The built-in publisher's layers: OGC API – Features (core, GeoJSON) and Mapbox vector tiles.
 * Public routes (anonymous callers allowed); the service checks each layer: unadvertised layers
 * are listed nowhere and readable by admins only, read roles restrict a layer to their members.
 * A layer the caller may not read is a 404, as if it did not exist.
 */
export function ogcRoutes(root: FastifyInstance, ctx: GeosyncContext): void {
  const tags = ['ogc'];
  const config = { access: access.public };

  void root.register(
    async (scoped) => {
      const app = scoped.withTypeProvider<ZodTypeProvider>();

      // An unknown path under /ogc is a problem, not the web UI's page.
      scoped.setNotFoundHandler((request, reply) =>
        sendProblem(reply, {
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: `No route ${request.method} ${request.url.split('?')[0]}`,
          code: 'route_not_found',
          requestId: String(request.id),
        }),
      );

      app.get(
        '',
        {
          config,
          schema: {
            tags,
            summary: 'OGC API landing page',
            querystring: ogcFormatQuerySchema,
            response: { 200: landingPageSchema },
          },
        },
        async (request) => ctx.ogc.landingPage(baseOf(request)),
      );

      app.get(
        '/conformance',
        {
          config,
          schema: {
            tags,
            summary: 'OGC API conformance classes',
            querystring: ogcFormatQuerySchema,
            response: { 200: conformanceSchema },
          },
        },
        async () => ctx.ogc.conformance(),
      );

      app.get(
        '/collections',
        {
          config,
          schema: {
            tags,
            summary: 'The advertised layers the caller may read',
            querystring: ogcFormatQuerySchema,
            response: { 200: collectionsSchema },
          },
        },
        async (request) => ctx.ogc.collections(request.principal, baseOf(request)),
      );

      app.get(
        '/collections/:collectionId',
        {
          config,
          schema: {
            tags,
            summary: 'One layer: title, description, keywords, extent, links',
            params: collectionParamsSchema,
            querystring: ogcFormatQuerySchema,
            response: { 200: collectionSchema },
          },
        },
        async (request) => ctx.ogc.collection(request.principal, request.params.collectionId, baseOf(request)),
      );

      app.get(
        '/collections/:collectionId/items',
        {
          config,
          schema: {
            tags,
            summary: 'Features of a layer as GeoJSON, filtered by bbox, in pages',
            params: collectionParamsSchema,
            querystring: itemsQuerySchema,
            response: { 200: featureCollectionSchema },
          },
        },
        async (request, reply) => {
          const { collectionId } = request.params;
          const page = await ctx.ogc.items(request.principal, collectionId, request.query, baseOf(request));
          return reply.type('application/geo+json').send(page);
        },
      );

      app.get(
        '/collections/:collectionId/items/:featureId',
        {
          config,
          schema: {
            tags,
            summary: 'One feature of a layer as GeoJSON',
            params: featureParamsSchema,
            querystring: ogcFormatQuerySchema,
            response: { 200: ogcFeatureSchema },
          },
        },
        async (request, reply) => {
          const { collectionId, featureId } = request.params;
          const feature = await ctx.ogc.item(request.principal, collectionId, featureId, baseOf(request));
          return reply.type('application/geo+json').send(feature);
        },
      );

      app.get(
        '/collections/:collectionId/tiles/:z/:x/:y.mvt',
        {
          config,
          schema: {
            tags,
            summary: 'A Mapbox vector tile of a layer (WebMercatorQuad)',
            params: tileParamsSchema,
            querystring: ogcFormatQuerySchema.omit({ f: true }),
          },
        },
        async (request, reply) => {
          const { collectionId, z, x, y } = request.params;
          const { tile, cache } = await ctx.ogc.tile(request.principal, collectionId, z, x, y);
          return reply.type(MVT_TYPE).header('x-geosync-tile-cache', cache).send(Buffer.from(tile));
        },
      );
    },
    { prefix: OGC_PREFIX },
  );
}
