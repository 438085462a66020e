import { isGeosyncError } from '../../errors/errors.ts';
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
import * as cache from './geoserver-cache.ts';
import { GeoserverClient } from './geoserver-client.ts';
import { errorText } from './geoserver-errors.ts';
import { asList, type OneOrMany } from './geoserver-json.ts';
import * as layers from './geoserver-layers.ts';
import { qualify } from './geoserver-names.ts';
import * as security from './geoserver-security.ts';
import * as workspaces from './geoserver-workspaces.ts';
import { type GeoserverConfig, geoserverConfigSchema } from './geoserver.config.ts';

/** A workspace name checked by GeoServer's naming rules (qualify's, the name standing in for a layer). */
const checkedWorkspace = (workspace: string): string => qualify({ workspace, name: workspace }).workspace;

interface VersionJson {
  about?: { resource?: OneOrMany<{ '@name'?: string; Version?: string | number }> };
}

/**
 * An external GeoServer reached through its REST API (and GeoWebCache's): publication with the
 * Task Manager's calls (probe, then create or update), tile cache and data-access rules.
 * Every method is async, so a refusal made before any request (a bad name) rejects, never throws.
 */
export class GeoserverConnector implements Connector, Publisher {
  readonly publisherCapabilities: PublisherCapabilities = {
    security: true,
    cache: true,
    appSchema: true,
    raster: true,
  };
  private clientInstance: GeoserverClient | undefined;

  constructor(private readonly config: GeoserverConfig) {}

  /** Made on first use (it holds the Keycloak token): no network before. */
  get client(): GeoserverClient {
    this.clientInstance ??= new GeoserverClient(this.config);
    return this.clientInstance;
  }

  /** One call that needs an administrator: it checks the URL, the login and the rights at once. */
  async test(signal: AbortSignal): Promise<TestResult> {
    if (signal.aborted) return abortedResult(signal);
    const client = this.client;
    const who = `'${this.config.username}'${this.config.authentication === 'keycloak' ? ' (through Keycloak)' : ''}`;
    try {
      const answer = await client.rest('GET', '/about/version', signal, { allow: [401, 403, 404] });
      if (answer.status === 401) {
        return {
          ok: false,
          message: `GeoServer at ${client.host} refused the login of ${who}: check the user name and password`,
        };
      }
      if (answer.status === 403) {
        return {
          ok: false,
          message: `GeoServer at ${client.host}: user ${who} is not an administrator, which the REST API needs`,
        };
      }
      if (answer.status === 404) {
        return {
          ok: false,
          message: `No GeoServer REST API at ${this.config.url.replace(/\/+$/, '')}/rest (HTTP 404): check the URL`,
        };
      }
      const about = client.parse<VersionJson>(answer, 'GET /rest/about/version');
      const resources = about.about?.resource;
      const version = asList(resources).find((r) => r['@name'] === 'GeoServer')?.Version;
      const shown = version === undefined ? 'version unknown' : `GeoServer ${String(version)}`;
      return {
        ok: true,
        message: `Logged in to ${client.host} as ${who} (${shown})`,
        details: { version: version === undefined ? null : String(version) },
      };
    } catch (error) {
      if (signal.aborted) return abortedResult(signal);
      const message = isGeosyncError(error) ? error.message : errorText(errorMessage(error));
      return { ok: false, message: client.redact(message) };
    }
  }

  async listLayers(workspace: string | undefined, signal: AbortSignal): Promise<LayerRef[]> {
    return layers.listLayers(this.client, workspace, signal);
  }

  async getLayer(ref: LayerRef, signal: AbortSignal): Promise<PublishedLayer | undefined> {
    const q = qualify(ref);
    const layer = await layers.readLayer(this.client, q, signal);
    if (!layer) return undefined;
    const readRoles = security.rolesOf((await security.readRules(this.client, signal))[security.readRuleKey(q)]);
    return readRoles === undefined ? layer : { ...layer, readRoles };
  }

  async publishLayer(layer: LayerDefinition, signal: AbortSignal): Promise<void> {
    await layers.publish(this.client, qualify(layer), layer, signal);
  }

  async renameLayer(from: LayerRef, to: LayerRef, signal: AbortSignal): Promise<void> {
    await layers.rename(this.client, qualify(from), qualify(to), signal);
  }

  async setAdvertised(ref: LayerRef, advertised: boolean, signal: AbortSignal): Promise<void> {
    await layers.setAdvertised(this.client, qualify(ref), advertised, signal);
  }

  async updateMetadata(ref: LayerRef, metadata: LayerMetadata, signal: AbortSignal): Promise<void> {
    await layers.updateMetadata(this.client, qualify(ref), metadata, signal);
  }

  /**
   * Removes the layer, its resource, the store made for it (GeoTIFF, app-schema: with its uploaded
   * files), then its read rule: last, so a removal stopped half-way never leaves the layer open to
   * everyone; also when the layer is already gone, so a repeated removal clears a rule left behind.
   */
  async removeLayer(ref: LayerRef, signal: AbortSignal): Promise<void> {
    const q = qualify(ref);
    const found = await layers.findLayer(this.client, q, signal);
    if (found) await layers.removeResource(this.client, q, found, signal);
    await security.removeReadRule(this.client, q, signal);
  }

  async workspaceExists(workspace: string, signal: AbortSignal): Promise<boolean> {
    return workspaces.workspaceExists(this.client, checkedWorkspace(workspace), signal);
  }

  /** Removes the workspace (and its namespace) only when it holds no store, style or layer group. */
  async removeWorkspace(workspace: string, signal: AbortSignal): Promise<void> {
    await workspaces.removeEmptyWorkspace(this.client, checkedWorkspace(workspace), signal);
  }

  async configureCache(
    ref: LayerRef,
    options: { gridSets: string[]; formats: string[] },
    signal: AbortSignal,
  ): Promise<void> {
    await cache.configureCache(this.client, qualify(ref), options, signal);
  }

  async clearCache(ref: LayerRef, signal: AbortSignal): Promise<void> {
    await cache.clearCache(this.client, qualify(ref), signal);
  }

  /**
   * A missing layer is a 404 (a rule written for it would pass to a later layer of its name);
   * removing the rule (undefined) is allowed for a missing layer, to clear one left behind.
   */
  async setReadRoles(ref: LayerRef, roles: string[] | undefined, signal: AbortSignal): Promise<void> {
    const q = qualify(ref);
    if (roles !== undefined) await layers.requireLayer(this.client, q, signal);
    await security.setReadRoles(this.client, q, roles, signal);
  }

  /** Nothing held open: fetch's connection pool is process-wide. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** An external GeoServer as a map server. */
export const geoserverConnectorType: ConnectorType<GeoserverConfig> = {
  type: 'geoserver',
  kind: 'map_server',
  title: 'GeoServer',
  description: 'An external GeoServer that layers are published to, through its REST API.',
  config: geoserverConfigSchema,
  secretFields: ['password', 'clientSecret'],
  testable: true,
  userCreatable: true,
  // Whatever the settings: a GeoServer without the app-schema extension refuses at publish time.
  publisherCapabilities: () => ({ security: true, cache: true, appSchema: true, raster: true }),
  create: (config) => new GeoserverConnector(config),
};
