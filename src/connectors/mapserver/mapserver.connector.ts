import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { conflict, notFound } from '../../errors/errors.ts';
import type { Connector, ConnectorType, TestResult } from '../connector.ts';
import type {
  LayerDefinition,
  LayerMetadata,
  LayerRef,
  PublishedLayer,
  Publisher,
  PublisherCapabilities,
} from '../publisher.ts';
import { abortedResult, errorMessage } from '../test-results.ts';
import { renderInclude } from './layer-include.ts';
import { MapcacheFile, mapcacheFormat, mapcacheGrids } from './mapcache.ts';
import { MapfileStore } from './mapfile-store.ts';
import { layerName, mapString } from './mapfile-syntax.ts';
import { type MapserverConfig, mapserverConfigSchema } from './mapserver.config.ts';
import { runTool, tools } from './mapserver-tools.ts';
import { describePostgisTable } from './postgis-table.ts';
import { assertGeotiff, RasterFolder } from './raster-files.ts';

/** No per-layer read rules (MapServer has none), no app-schema; a tile cache only with MapCache. */
const mapserverCapabilities = (config: Pick<MapserverConfig, 'mapcacheConfig'>): PublisherCapabilities => ({
  security: false,
  cache: config.mapcacheConfig !== undefined,
  appSchema: false,
  raster: true,
});

/**
 * MapServer as a publisher: publishing is writing mapfile includes (see mapfile-store.ts), each
 * checked with map2img before MapServer sees it; the tile cache is MapCache (mapcache.ts).
 * A layer `{ workspace, name }` is the MapServer layer `<workspace>_<name>`. For a PostGIS source
 * geosync reads the geometry column, its type and SRID and the primary key from the database at
 * publish time (the table must exist then). A GeoTIFF is read where it is (`path`) or, when its
 * bytes are handed over (`upload`), copied into the connection's data folder (raster-files.ts)
 * and removed with the last layer using it. No per-layer read rules: MapServer has none.
 */
export class MapserverConnector implements Connector, Publisher {
  readonly publisherCapabilities: PublisherCapabilities;
  private readonly store: MapfileStore;
  private readonly cache: MapcacheFile | undefined;
  private readonly rasters: RasterFolder;

  constructor(private readonly config: MapserverConfig) {
    this.store = new MapfileStore(config);
    this.rasters = new RasterFolder(config.mapfile, config.maxRasterUploadMB * 1024 * 1024);
    this.cache = config.mapcacheConfig === undefined ? undefined : new MapcacheFile(config.mapcacheConfig, config.url);
    this.publisherCapabilities = mapserverCapabilities(config);
  }

  /** The layers geosync published in the managed mapfile (read from their includes). */
  async listLayers(workspace: string | undefined, signal: AbortSignal): Promise<LayerRef[]> {
    const refs: LayerRef[] = [];
    for (const file of await this.store.includes()) {
      signal.throwIfAborted();
      const layer = await this.store.readInclude(file);
      if (!layer || (workspace !== undefined && layer.workspace !== workspace)) continue;
      refs.push(
        layer.workspace === undefined ? { name: layer.name } : { workspace: layer.workspace, name: layer.name },
      );
    }
    return refs.sort((a, b) => `${a.workspace ?? ''}:${a.name}`.localeCompare(`${b.workspace ?? ''}:${b.name}`));
  }

  /** The layer as published; the database password is not given back. */
  async getLayer(ref: LayerRef, signal: AbortSignal): Promise<PublishedLayer | undefined> {
    signal.throwIfAborted();
    const layer = await this.store.read(layerName(ref));
    if (!layer || !sameRef(layer, ref)) return undefined;
    if (layer.source.kind === 'postgis') {
      const { password: _password, ...source } = layer.source;
      return { ...layer, source };
    }
    return layer;
  }

  async publishLayer(layer: LayerDefinition, signal: AbortSignal): Promise<void> {
    const name = layerName(layer);
    const existing = await this.store.read(name);
    if (existing && !sameRef(existing, layer)) {
      throw conflict(
        'layer_name_taken',
        `MapServer layer '${name}' already holds ${describeRef(existing)}: choose another name or workspace`,
      );
    }
    const definition = await this.placeRaster(layer, signal);
    try {
      await this.write(name, definition, signal);
    } catch (error) {
      // A refused upload: its copy goes (a new file of its own, no layer refers to it).
      if (definition !== layer && definition.source.kind === 'geotiff') {
        await this.rasters.release([definition.source.path], new Set());
      }
      throw error;
    }
    if (existing) await this.releaseRasters([existing], signal);
  }

  async renameLayer(from: LayerRef, to: LayerRef, signal: AbortSignal): Promise<void> {
    const fromName = layerName(from);
    const toName = layerName(to);
    const [layer, target] = await Promise.all([this.store.read(fromName), this.store.read(toName)]);
    const current = layer && sameRef(layer, from) ? layer : undefined;
    if (!current) {
      // Done already (a repeated commit): the layer is under its new name and the old one is gone.
      if (target && sameRef(target, to)) return;
      throw notFound('Layer', fromName);
    }
    if (target) throw conflict('layer_name_taken', `Cannot rename '${fromName}': layer '${toName}' exists`);
    const renamed: LayerDefinition = { ...current, name: to.name };
    if (to.workspace === undefined) delete renamed.workspace;
    else renamed.workspace = to.workspace;
    if (fromName === toName) return this.write(toName, renamed, signal);
    const text = await this.render(toName, renamed, signal);
    await this.store.apply(
      [
        { name: toName, text, password: passwordOf(renamed) },
        { name: fromName, text: undefined },
      ],
      signal,
    );
  }

  async setAdvertised(ref: LayerRef, advertised: boolean, signal: AbortSignal): Promise<void> {
    const layer = await this.existing(ref);
    if (layer.advertised === advertised) return;
    await this.write(layerName(ref), { ...layer, advertised }, signal);
  }

  async updateMetadata(ref: LayerRef, metadata: LayerMetadata, signal: AbortSignal): Promise<void> {
    const layer = await this.existing(ref);
    await this.write(layerName(ref), { ...layer, metadata }, signal);
  }

  async removeLayer(ref: LayerRef, signal: AbortSignal): Promise<void> {
    const name = layerName(ref);
    const layer = await this.store.read(name);
    if (layer && !sameRef(layer, ref)) return;
    const present = (await this.store.includes()).includes(path.basename(this.store.includePath(name)));
    if (!present) return;
    await this.store.apply([{ name, text: undefined }], signal);
    if (layer) await this.releaseRasters([layer], signal);
  }

  /** Adds the layer to the MapCache configuration (a tileset of its name, sourced from this MapServer's WMS). */
  async configureCache(
    ref: LayerRef,
    options: { gridSets: string[]; formats: string[] },
    signal: AbortSignal,
  ): Promise<void> {
    const cache = this.requireCache();
    const name = layerName(ref);
    await this.existing(ref);
    await cache.configure(
      { name, grids: mapcacheGrids(options.gridSets), format: mapcacheFormat(options.formats) },
      signal,
    );
  }

  /** Deletes the layer's cached tiles. */
  async clearCache(ref: LayerRef, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await this.requireCache().clear(layerName(ref));
  }

  /** The folder is writable, map2img runs, and the main mapfile (when there is one) loads. */
  async test(signal: AbortSignal): Promise<TestResult> {
    if (signal.aborted) return abortedResult(signal);
    const folder = path.dirname(this.config.mapfile);
    try {
      try {
        await access(folder, constants.W_OK);
        await rm(await mkdtemp(path.join(folder, '.geosync-test-')), { recursive: true });
      } catch (error) {
        return { ok: false, message: `geosync cannot write to ${folder}: ${errorMessage(error)}` };
      }
      let version: string;
      try {
        version = (await runTool(tools.mapserv, ['-v'], signal, { timeoutMs: 15_000 })).output.split(' ', 3).join(' ');
      } catch (error) {
        if (signal.aborted) return abortedResult(signal);
        return {
          ok: false,
          message: `mapserv was not found: install MapServer (Debian: mapserver-bin) where geosync runs (${errorMessage(error)})`,
        };
      }
      let text: string | undefined;
      try {
        text = await readFile(this.config.mapfile, 'utf8');
      } catch {
        text = undefined;
      }
      const layers = (await this.store.includes()).length;
      if (text !== undefined) {
        try {
          // The check copy lives elsewhere: relative INCLUDEs are made absolute (escaped as in a string).
          const absolute = text.replaceAll(/^( *INCLUDE ")(?!\/)/gm, `$1${mapString(folder).slice(1, -1)}/`);
          await this.store.check(absolute, [], [], signal);
        } catch (error) {
          if (signal.aborted) return abortedResult(signal);
          return {
            ok: false,
            message: `${this.config.mapfile}: ${errorMessage(error).replace(/, nothing was changed/, '')}`,
          };
        }
      }
      if (this.cache) {
        try {
          await runTool(tools.mapcacheSeed, ['--help'], signal, { timeoutMs: 15_000 });
        } catch (error) {
          if (signal.aborted) return abortedResult(signal);
          return {
            ok: false,
            message: `mapcache_seed was not found: install MapCache's tools (Debian: mapcache-tools) (${errorMessage(error)})`,
          };
        }
      }
      const state =
        text === undefined ? 'no mapfile yet (written on the first publication)' : `mapfile loads, ${layers} layer(s)`;
      return {
        ok: true,
        message: `${version}; ${folder} is writable; ${state}${this.cache ? '; MapCache tools present' : ''}`,
        details: { version, layers, mapfileExists: text !== undefined },
      };
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      return { ok: false, message: errorMessage(error) };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async existing(ref: LayerRef): Promise<LayerDefinition> {
    const layer = await this.store.read(layerName(ref));
    if (!layer || !sameRef(layer, ref)) throw notFound('Layer', layerName(ref));
    return layer;
  }

  private requireCache(): MapcacheFile {
    if (!this.cache) {
      throw conflict(
        'cache_not_configured',
        'This MapServer connection has no MapCache configuration (mapcacheConfig)',
      );
    }
    return this.cache;
  }

  /**
   * The definition as stored: an uploaded GeoTIFF copied into the data folder and named by its
   * path there; a GeoTIFF by path checked to be one (MapServer would draw any GDAL format).
   */
  private async placeRaster(layer: LayerDefinition, signal: AbortSignal): Promise<LayerDefinition> {
    const { source } = layer;
    if (source.kind !== 'geotiff') return layer;
    if (source.upload) {
      return { ...layer, source: { kind: 'geotiff', path: await this.rasters.store(source.upload, signal) } };
    }
    if (path.posix.isAbsolute(source.path)) await assertGeotiff(source.path, source.path);
    return layer;
  }

  /** Removes the uploaded copies of `layers` that no published layer refers to any more. */
  private async releaseRasters(layers: LayerDefinition[], signal: AbortSignal): Promise<void> {
    const files = layers.flatMap((l) => (l.source.kind === 'geotiff' ? [l.source.path] : []));
    if (!files.some((f) => this.rasters.owns(f))) return;
    const inUse = new Set<string>();
    for (const file of await this.store.includes()) {
      signal.throwIfAborted();
      const layer = await this.store.readInclude(file);
      if (layer?.source.kind === 'geotiff') inUse.add(layer.source.path);
    }
    await this.rasters.release(files, inUse);
  }

  private async render(name: string, layer: LayerDefinition, signal: AbortSignal): Promise<string> {
    const table = layer.source.kind === 'postgis' ? await describePostgisTable(layer.source, signal) : undefined;
    return renderInclude(name, layer, table);
  }

  private async write(name: string, layer: LayerDefinition, signal: AbortSignal): Promise<void> {
    const text = await this.render(name, layer, signal);
    await this.store.apply([{ name, text, password: passwordOf(layer) }], signal);
  }
}

const sameRef = (a: LayerRef, b: LayerRef): boolean => a.name === b.name && (a.workspace ?? '') === (b.workspace ?? '');

const describeRef = (ref: LayerRef): string =>
  ref.workspace ? `layer '${ref.name}' of workspace '${ref.workspace}'` : `layer '${ref.name}'`;

const passwordOf = (layer: LayerDefinition): string | undefined =>
  layer.source.kind === 'postgis' ? layer.source.password : undefined;

/** MapServer as a map server: mapfile includes checked with map2img, MapCache for tiles. */
export const mapserverConnectorType: ConnectorType<MapserverConfig> = {
  type: 'mapserver',
  kind: 'map_server',
  title: 'MapServer',
  description: 'A MapServer publishing layers from a mapfile that geosync maintains (and MapCache for tiles).',
  config: mapserverConfigSchema,
  secretFields: [],
  testable: true,
  userCreatable: true,
  publisherCapabilities: mapserverCapabilities,
  create: (config) => new MapserverConnector(config),
};
