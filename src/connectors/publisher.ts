import type { Readable } from 'node:stream';

import type { Connector } from './connector.ts';

/**
 * The map-server capability: what the publication task types (LocalDbPublication,
 * RemoteDbPublication, MetadataSync, ClearCachedLayer...) ask of a map server. Each map-server
 * connector (the built-in publisher, MapServer, GeoServer) implements it; the task types run the
 * Task Manager's temp-name protocol on top: publish unadvertised under a temporary name, then on
 * commit remove the old layer, rename the new one and advertise it; on rollback remove it.
 * Every method is idempotent where its effect allows (recovery may repeat it).
 */

/** A layer's place on a map server: `workspace` is GeoServer's; others ignore it or use it as a prefix. */
export interface LayerRef {
  workspace?: string;
  name: string;
}

/** How a map server reaches a PostgreSQL table: the database's own settings (password included). */
export interface PostgisSource {
  kind: 'postgis';
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  schema: string;
  table: string;
}

/**
 * A raster file. `path` is where the server reads it when it can reach the file itself (an
 * absolute path on its host, or a URL such as `s3://bucket/key` GeoServer can read); `upload`,
 * when given, hands the bytes over instead (the file lives on a file service the server cannot
 * reach): the server stores its own copy and `getLayer` reports where. Never stored in the ledger.
 */
export interface RasterFileSource {
  kind: 'geotiff';
  path: string;
  upload?: { fileName: string; open(): Promise<Readable> };
}

/**
 * A GeoServer app-schema (complex features) layer: the mapping file and the files it includes,
 * already templated (`${param}` replaced by the task). `mainFile` names the mapping among
 * `files`; paths are relative, `/`-separated. Servers without `appSchema` refuse it.
 */
export interface AppSchemaSource {
  kind: 'app-schema';
  mainFile: string;
  files: Array<{ path: string; content: string }>;
}

/**
 * A table of geosync's own store, which only the built-in publisher can serve (it holds the
 * connection); MapServer and GeoServer refuse it with a clear message.
 */
export interface EmbeddedTableSource {
  kind: 'embedded';
  schema: string;
  table: string;
}

export type LayerSource = PostgisSource | RasterFileSource | EmbeddedTableSource | AppSchemaSource;

export interface MetadataLink {
  href: string;
  /** e.g. `ISO19115:2003`, `TC211`, `FGDC`. */
  type: string;
  /** MIME type of the linked document, e.g. `text/xml`. */
  format: string;
}

export interface LayerMetadata {
  title?: string;
  abstract?: string;
  keywords?: string[];
  metadataLinks?: MetadataLink[];
  /** ISO 8601 times the TimeStamp task keeps (data changed, metadata changed). */
  dataTimestamp?: string;
  metadataTimestamp?: string;
}

export interface LayerDefinition extends LayerRef {
  source: LayerSource;
  metadata: LayerMetadata;
  /** Unadvertised: reachable by name but listed nowhere (GetCapabilities, collections). */
  advertised: boolean;
  /** Style name or SLD body, when the server supports styles. */
  style?: string;
}

export interface PublishedLayer extends LayerDefinition {
  /** Roles allowed to read it; undefined = everyone the server lets in. */
  readRoles?: string[];
}

export interface PublisherCapabilities {
  /** Per-layer read rules (LayerSecuritySync, WorkspaceSecuritySync). */
  security: boolean;
  /** A tile cache that can be configured and cleared. */
  cache: boolean;
  /** App-schema mappings (GeoServer only). */
  appSchema: boolean;
  /** Raster (GeoTIFF) layers. */
  raster: boolean;
}

export interface Publisher {
  readonly publisherCapabilities: PublisherCapabilities;
  /**
   * The layers of a workspace (all layers when undefined), unadvertised ones included, sorted by
   * name. Used by WorkspaceSecuritySync and the layer pages.
   */
  listLayers(workspace: string | undefined, signal: AbortSignal): Promise<LayerRef[]>;
  /** The layer as published, or undefined when there is none. */
  getLayer(ref: LayerRef, signal: AbortSignal): Promise<PublishedLayer | undefined>;
  /** Creates or replaces a layer. A definition the server would reject fails before anything changes. */
  publishLayer(layer: LayerDefinition, signal: AbortSignal): Promise<void>;
  /** Renames a layer (the temp-name protocol's commit); the target name must be free. */
  renameLayer(from: LayerRef, to: LayerRef, signal: AbortSignal): Promise<void>;
  setAdvertised(ref: LayerRef, advertised: boolean, signal: AbortSignal): Promise<void>;
  updateMetadata(ref: LayerRef, metadata: LayerMetadata, signal: AbortSignal): Promise<void>;
  /** Removes a layer; a missing one is not an error. */
  removeLayer(ref: LayerRef, signal: AbortSignal): Promise<void>;
  /** Servers with `cache`: sets up caching of the layer, and empties it. */
  configureCache?(
    ref: LayerRef,
    options: { gridSets: string[]; formats: string[] },
    signal: AbortSignal,
  ): Promise<void>;
  clearCache?(ref: LayerRef, signal: AbortSignal): Promise<void>;
  /** Servers with `security`: who may read the layer (undefined: no rule). */
  setReadRoles?(ref: LayerRef, roles: string[] | undefined, signal: AbortSignal): Promise<void>;
  /**
   * Servers whose workspaces are objects of their own (GeoServer: publishing into a missing one
   * creates it), both or neither: whether it exists, and its removal. `removeWorkspace` removes
   * it only when it is empty (no store, style, layer... left: otherwise, or when missing, nothing
   * happens), so the temp-name protocol's rollback can undo a workspace its run created.
   */
  workspaceExists?(workspace: string, signal: AbortSignal): Promise<boolean>;
  removeWorkspace?(workspace: string, signal: AbortSignal): Promise<void>;
}

export function isPublisher(connector: Connector): connector is Connector & Publisher {
  const c = connector as Partial<Publisher>;
  return [
    'listLayers',
    'getLayer',
    'publishLayer',
    'renameLayer',
    'setAdvertised',
    'updateMetadata',
    'removeLayer',
  ].every((m) => typeof c[m as keyof Publisher] === 'function');
}
