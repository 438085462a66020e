import { conflict, UnexpectedError, UserError } from '../../errors/errors.ts';
import { abortable } from '../../lib/abortable.ts';
import type { Connector, ConnectorType, EmbeddedDatabase, TestResult } from '../connector.ts';
import { storeSchemaPrefix, storeTables } from '../embedded-postgis/store-tables.ts';
import type {
  LayerDefinition,
  LayerMetadata,
  LayerRef,
  Publisher,
  PublisherCapabilities,
  PublishedLayer,
} from '../publisher.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { type BuiltinPublisherConfig, builtinPublisherConfigSchema } from './builtin-publisher.config.ts';
import { type LayerKey, PublishedLayers } from './published-layers.ts';
import { clearTileCache } from './tile-cache-folder.ts';

/** The tile grids and formats the built-in tile cache knows (GeoWebCache's names accepted too). */
export const TILE_GRID_SETS = ['WebMercatorQuad', 'EPSG:3857', 'EPSG:900913'];
export const TILE_FORMATS = ['application/vnd.mapbox-vector-tile', 'application/x-protobuf;type=mapbox-vector', 'mvt'];

/** Layer and workspace names travel in URLs (`/ogc/collections/{workspace:name}`). */
const LAYER_NAME = /^[^/\\:?#%\s\p{Cc}][^/\\:?#%\p{Cc}]{0,199}$/u;

function checkName(value: string, field: string): void {
  if (!LAYER_NAME.test(value) || value.trim() !== value) {
    throw new UserError('invalid_layer_name', `The ${field} '${value}' cannot be published by the built-in publisher`, {
      details: [{ field, message: 'no / \\ : ? # % or control characters, 1 to 200 characters' }],
    });
  }
}

function checkRef(ref: LayerRef): LayerKey {
  checkName(ref.name, 'name');
  if (ref.workspace !== undefined) checkName(ref.workspace, 'workspace');
  return ref.workspace === undefined ? { name: ref.name } : { workspace: ref.workspace, name: ref.name };
}

const display = (ref: LayerRef) => (ref.workspace ? `${ref.workspace}:${ref.name}` : ref.name);

const missing = (ref: LayerRef) =>
  new UserError('layer_not_found', `The built-in publisher has no layer '${display(ref)}'`, { status: 404 });

/** Read roles and a tile cache of its own; vector layers of its store only. */
const BUILTIN_PUBLISHER_CAPABILITIES: PublisherCapabilities = {
  security: true,
  cache: true,
  appSchema: false,
  raster: false,
};

/**
 * geosync's own map server: serves layers of tables of its own store over OGC API Features and
 * vector tiles (domain/publication/). Its layers are rows of `published_layers`; this connector
 * writes them, the OGC service reads them. Shares the store, so close() leaves it open.
 */
class BuiltinPublisher implements Connector, Publisher {
  readonly publisherCapabilities = BUILTIN_PUBLISHER_CAPABILITIES;
  private readonly layers: PublishedLayers;

  constructor(
    db: EmbeddedDatabase,
    private readonly dataDir: string,
  ) {
    this.layers = new PublishedLayers(db);
  }

  /** A statement on the store cannot be cancelled: aborting stops waiting (lib/abortable.ts). */
  private run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return abortable(work(), signal);
  }

  listLayers(workspace: string | undefined, signal: AbortSignal): Promise<LayerRef[]> {
    if (workspace !== undefined) checkName(workspace, 'workspace');
    return this.run(signal, () => this.layers.list(workspace));
  }

  getLayer(ref: LayerRef, signal: AbortSignal): Promise<PublishedLayer | undefined> {
    return this.run(signal, async () => (await this.layers.find(checkRef(ref)))?.layer);
  }

  publishLayer(layer: LayerDefinition, signal: AbortSignal): Promise<void> {
    return this.run(signal, async () => {
      const key = checkRef(layer);
      const { source } = layer;
      if (source.kind !== 'embedded') {
        throw new UserError(
          'unsupported_source',
          source.kind === 'geotiff'
            ? 'The built-in publisher serves vector tables only, not raster files'
            : source.kind === 'app-schema'
              ? 'The built-in publisher cannot serve app-schema (complex feature) layers: publish them on GeoServer'
              : "The built-in publisher serves tables of geosync's own store only (source kind 'embedded'): copy the " +
                "table into the 'local' database first, or publish it on GeoServer or MapServer",
          { details: [{ field: 'source.kind', message: `'${source.kind}' is not supported` }] },
        );
      }
      const reserved =
        source.schema.startsWith(storeSchemaPrefix) ||
        ['pg_catalog', 'information_schema'].includes(source.schema) ||
        (source.schema === 'public' && storeTables().includes(source.table));
      if (reserved) {
        throw new UserError('reserved_table', `'${source.schema}.${source.table}' is one of geosync's own tables`);
      }
      const table = await this.layers.describeTable(source.schema, source.table);
      if (!table) {
        throw new UserError('table_not_found', `The local database has no table '${source.schema}.${source.table}'`, {
          status: 404,
        });
      }
      if (table.geometryColumns === 0) {
        throw new UserError('no_geometry', `'${source.schema}.${source.table}' has no geometry column to publish`);
      }
      const stored = { kind: 'embedded' as const, schema: source.schema, table: source.table };
      const { id, replaced } = await this.layers.upsert({
        ...key,
        source: stored,
        metadata: layer.metadata,
        advertised: layer.advertised,
        style: layer.style,
      });
      // A replaced layer may show other data: its cached tiles are stale.
      if (replaced) await clearTileCache(this.dataDir, id);
    });
  }

  renameLayer(from: LayerRef, to: LayerRef, signal: AbortSignal): Promise<void> {
    return this.run(signal, async () => {
      const fromKey = checkRef(from);
      const toKey = checkRef(to);
      if (display(fromKey) === display(toKey)) return;
      const [source, target] = [await this.layers.find(fromKey), await this.layers.find(toKey)];
      if (!source) {
        if (target) return; // a repeated rename (recovery): already done
        throw missing(from);
      }
      if (target) throw conflict('layer_exists', `The built-in publisher already has a layer '${display(to)}'`);
      await this.layers.rename(fromKey, toKey);
    });
  }

  setAdvertised(ref: LayerRef, advertised: boolean, signal: AbortSignal): Promise<void> {
    return this.run(signal, async () => {
      if (!(await this.layers.setAdvertised(checkRef(ref), advertised))) throw missing(ref);
    });
  }

  updateMetadata(ref: LayerRef, metadata: LayerMetadata, signal: AbortSignal): Promise<void> {
    return this.run(signal, async () => {
      if (!(await this.layers.setMetadata(checkRef(ref), metadata))) throw missing(ref);
    });
  }

  removeLayer(ref: LayerRef, signal: AbortSignal): Promise<void> {
    return this.run(signal, async () => {
      const id = await this.layers.remove(checkRef(ref));
      if (id) await clearTileCache(this.dataDir, id);
    });
  }

  setReadRoles(ref: LayerRef, roles: string[] | undefined, signal: AbortSignal): Promise<void> {
    return this.run(signal, async () => {
      const unique = roles === undefined ? undefined : [...new Set(roles)].sort();
      if (!(await this.layers.setReadRoles(checkRef(ref), unique))) throw missing(ref);
    });
  }

  /** Caches the layer's vector tiles on disk (WebMercatorQuad, MVT); starts from an empty cache. */
  configureCache(
    ref: LayerRef,
    options: { gridSets: string[]; formats: string[] },
    signal: AbortSignal,
  ): Promise<void> {
    return this.run(signal, async () => {
      const badGrid = options.gridSets.find((g) => !TILE_GRID_SETS.includes(g));
      const badFormat = options.formats.find((f) => !TILE_FORMATS.includes(f));
      if (badGrid !== undefined || badFormat !== undefined || options.gridSets.length === 0) {
        throw new UserError(
          'unsupported_cache',
          `The built-in tile cache holds vector tiles (${TILE_FORMATS[0]}) in the WebMercatorQuad grid only`,
          {
            details: [
              ...(badGrid !== undefined || options.gridSets.length === 0
                ? [{ field: 'gridSets', message: `use one of ${TILE_GRID_SETS.join(', ')}` }]
                : []),
              ...(badFormat !== undefined
                ? [{ field: 'formats', message: `use one of ${TILE_FORMATS.join(', ')}` }]
                : []),
            ],
          },
        );
      }
      const id = await this.layers.setCache(checkRef(ref), {
        gridSets: ['WebMercatorQuad'],
        formats: [TILE_FORMATS[0]!],
      });
      if (!id) throw missing(ref);
      await clearTileCache(this.dataDir, id);
    });
  }

  clearCache(ref: LayerRef, signal: AbortSignal): Promise<void> {
    return this.run(signal, async () => {
      const row = await this.layers.find(checkRef(ref));
      if (!row) throw missing(ref);
      await clearTileCache(this.dataDir, row.id);
    });
  }

  async test(signal: AbortSignal): Promise<TestResult> {
    if (signal.aborted) return abortedResult(signal);
    try {
      const count = await abortable(this.layers.count(), signal);
      return { ok: true, message: `Built-in publisher: ${count} layer(s) published`, details: { layers: count } };
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: `The embedded store did not answer: ${errorMessage(error)}` };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * geosync's own map server. Built in only: geosync creates its one connection, `local`. Serves
 * tables of the embedded store under /ogc (OGC API Features, Mapbox vector tiles).
 */
export const builtinPublisherConnectorType: ConnectorType<BuiltinPublisherConfig> = {
  type: 'builtin-publisher',
  kind: 'map_server',
  title: 'Built-in publisher',
  description: "geosync's own map server: OGC API Features and vector tiles of tables of the local database.",
  config: builtinPublisherConfigSchema,
  secretFields: [],
  testable: true,
  userCreatable: false,
  publisherCapabilities: () => BUILTIN_PUBLISHER_CAPABILITIES,
  create(_config, deps) {
    if (!deps.embeddedDatabase) {
      throw new UnexpectedError('embedded_database_missing', 'The embedded database was not handed to the connector');
    }
    return new BuiltinPublisher(deps.embeddedDatabase, deps.dataDir);
  },
};
