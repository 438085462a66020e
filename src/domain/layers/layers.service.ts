import { isPublisher, type LayerRef, type Publisher, type PublishedLayer } from '../../connectors/publisher.ts';
import type { Connection } from '../../contracts/connections.dto.ts';
import type {
  LayerDetail,
  LayerList,
  LayerListQuery,
  LayerPreview,
  LayerTarget,
  MapServerRef,
} from '../../contracts/layers.dto.ts';
import { GeosyncError, UserError } from '../../errors/errors.ts';
import { redact } from '../connections/connection-secrets.ts';
import type { ConnectionsService } from '../connections/connections.service.ts';
import { collectionIdOf, type OgcService } from '../publication/ogc.service.ts';
import type { Principal } from '../security/principal.ts';
import { mapLimited, sourceView, summaryOf } from './layer-views.ts';

export interface LayersServiceOptions {
  connections: Pick<ConnectionsService, 'resolve' | 'open' | 'list'>;
  ogc: () => Pick<OgcService, 'collection'>;
  /** Setting `publication.localMapServer`. */
  localMapServer: string;
  /** Longest a map server may take to answer one request. */
  timeoutMs?: number;
  /** Longest a remote map server may take to say whether it has a layer (publication targets). */
  targetTimeoutMs?: number;
}

const OGC_BASE = '/ogc';
/** Layers described at once when a page of the list is filled (one request each on GeoServer). */
const PARALLEL = 4;

const display = (ref: LayerRef) => (ref.workspace ? `${ref.workspace}:${ref.name}` : ref.name);

export type LayersService = ReturnType<typeof createLayersService>;

/**
 * Read-only view of the layers on map server connections. The caller must be allowed to use the
 * connection (its roles); one who may not gets 404, as for connections. Sources lose their secrets.
 */
export function createLayersService(options: LayersServiceOptions) {
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function withPublisher<T>(
    principal: Principal,
    name: string,
    work: (publisher: Publisher, server: MapServerRef, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const connection: Connection = await options.connections.resolve(principal, name, 'map_server');
    const { connector, secrets } = await options.connections.open(principal, connection.id);
    try {
      if (!isPublisher(connector)) {
        throw new UserError('not_a_publisher', `Map server '${name}' (${connection.type}) cannot list layers`);
      }
      const server = {
        name: connection.name,
        type: connection.type,
        local: connection.name === options.localMapServer,
      };
      return await work(connector, server, AbortSignal.timeout(timeoutMs));
    } catch (error) {
      // A map server's error may echo the connection's password: never pass it on.
      if (error instanceof Error) error.message = redact(error.message, secrets);
      throw error;
    } finally {
      await connector.close().catch(() => undefined);
    }
  }

  async function previewOf(principal: Principal, server: MapServerRef, layer: PublishedLayer): Promise<LayerPreview> {
    if (server.type !== 'builtin-publisher') {
      return {
        available: false,
        reason: `Map previews use the vector tiles of geosync's built-in publisher; '${server.name}' is a ${server.type} map server.`,
      };
    }
    const collectionId = collectionIdOf({ workspace: layer.workspace ?? null, name: layer.name });
    try {
      const collection = await options.ogc().collection(principal, collectionId, OGC_BASE);
      const href = `${OGC_BASE}/collections/${encodeURIComponent(collectionId)}`;
      const bbox = collection.extent?.spatial.bbox[0];
      return {
        available: true,
        collectionId,
        collection: href,
        items: `${href}/items`,
        tiles: `${href}/tiles/{z}/{x}/{y}.mvt`,
        tileLayer: layer.name,
        ...(bbox && { bbox }),
      };
    } catch (error) {
      if (error instanceof UserError && error.code === 'collection_not_found') {
        return {
          available: false,
          reason: 'The layer is not served to you over OGC API: it is unadvertised or limited to other read roles.',
        };
      }
      if (error instanceof GeosyncError && error.kind !== 'unexpected') {
        return { available: false, reason: error.message };
      }
      throw error;
    }
  }

  /** Asks one map server for the layer; an unreachable server is an answer, not a failure. */
  async function targetOf(principal: Principal, connection: Connection, ref: LayerRef): Promise<LayerTarget> {
    const mapServer = { name: connection.name, type: connection.type, local: false };
    const { connector, secrets } = await options.connections.open(principal, connection.id);
    try {
      if (!isPublisher(connector)) return { mapServer, published: null, error: 'This map server cannot list layers' };
      const layer = await connector.getLayer(ref, AbortSignal.timeout(options.targetTimeoutMs ?? 10_000));
      return layer ? { mapServer, published: true, advertised: layer.advertised } : { mapServer, published: false };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { mapServer, published: null, error: redact(message, secrets) };
    } finally {
      await connector.close().catch(() => undefined);
    }
  }

  return {
    localMapServer: options.localMapServer,

    /** Where else a layer of the local map server is published: every other map server the caller may use. */
    async targets(principal: Principal, ref: LayerRef): Promise<{ items: LayerTarget[] }> {
      const servers = await options.connections.list(principal, { limit: 500, offset: 0 }, 'map_server');
      const remotes = servers.items.filter((c) => c.name !== options.localMapServer);
      return { items: await mapLimited(remotes, PARALLEL, (c) => targetOf(principal, c, ref)) };
    },

    /** A page of the map server's layers (unadvertised ones included), described. */
    async list(principal: Principal, name: string, query: LayerListQuery): Promise<LayerList> {
      return withPublisher(principal, name, async (publisher, server, signal) => {
        const refs = await publisher.listLayers(query.workspace, signal);
        const page = refs.slice(query.offset, query.offset + query.limit);
        const described = await mapLimited(page, PARALLEL, async (ref) => {
          const layer = await publisher.getLayer(ref, signal);
          // Gone between the listing and now (a run renamed it): left out rather than an error.
          return layer ? summaryOf(layer) : undefined;
        });
        return {
          mapServer: server,
          items: described.filter((l) => l !== undefined),
          total: refs.length,
          limit: query.limit,
          offset: query.offset,
        };
      });
    },

    async get(principal: Principal, name: string, ref: LayerRef): Promise<LayerDetail> {
      return withPublisher(principal, name, async (publisher, server, signal) => {
        const layer = await publisher.getLayer(ref, signal);
        if (!layer) {
          throw new UserError('layer_not_found', `Map server '${server.name}' has no layer '${display(ref)}'`, {
            status: 404,
          });
        }
        return {
          ...summaryOf(layer),
          mapServer: server,
          metadata: layer.metadata,
          ...(layer.style !== undefined && { style: layer.style }),
          source: sourceView(layer.source),
          preview: await previewOf(principal, server, layer),
        };
      });
    },
  };
}
