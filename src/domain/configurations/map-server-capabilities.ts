import type { Kysely } from 'kysely';

import type { ConnectorType, PublisherCapability } from '../../connectors/connector.ts';
import type { PublisherCapabilities } from '../../connectors/publisher.ts';
import type { Database } from '../../store/database.types.ts';
import type { ParameterSpec } from '../../tasks/parameter.ts';

/** What validation knows of the map servers: read from the store, no connector opened. */
export interface MapServerLookup {
  /** The name of the local map server (setting `publication.localMapServer`). */
  local: string;
  /** undefined: no such map-server connection, or its type does not declare its capabilities. */
  capabilities(name: string): PublisherCapabilities | undefined;
}

/** The connector types, to ask a type what a connection with given settings can do. */
export interface CapabilityTypes {
  get(type: string): ConnectorType;
}

/** The capabilities a connection of `type` with `config` declares, if its type declares any. */
export function declaredCapabilities(
  types: CapabilityTypes,
  type: string,
  config: Record<string, unknown>,
): PublisherCapabilities | undefined {
  try {
    return types.get(type).publisherCapabilities?.(config);
  } catch {
    return undefined; // A type no longer registered: the run will say so.
  }
}

/**
 * Reads the map-server connections named `names` from the store (type and non-secret settings):
 * what the capability checks of validation look up.
 */
export async function loadMapServerLookup(
  db: Kysely<Database>,
  types: CapabilityTypes,
  local: string,
  names: ReadonlySet<string>,
): Promise<MapServerLookup> {
  const found = new Map<string, PublisherCapabilities | undefined>();
  if (names.size > 0) {
    const rows = await db
      .selectFrom('connections')
      .select(['name', 'type', 'config'])
      .where('kind', '=', 'map_server')
      .where('name', 'in', [...names])
      .execute();
    for (const row of rows) found.set(row.name, declaredCapabilities(types, row.type, row.config));
  }
  return { local, capabilities: (name) => found.get(name) };
}

/** Why a map server without `capability` cannot do the task: the wording of the run-time refusals. */
const WHY: Record<PublisherCapability, (server: string) => string> = {
  security: (server) =>
    `${server} has no per-layer security rules geosync can read or set (MapServer has none): ` +
    'security sync needs the built-in publisher or GeoServer on both sides',
  cache: (server) =>
    `${server} has no tile cache geosync can configure or clear (a MapServer needs a MapCache configuration, mapcacheConfig)`,
  raster: (server) => `${server} cannot publish raster (GeoTIFF) layers: choose a MapServer or GeoServer connection`,
  appSchema: (server) =>
    `${server} cannot publish app-schema (complex feature) layers: only a GeoServer with the app-schema extension can`,
};

/** The text of a missing capability, for a problem or an error. */
export function missingCapabilityMessage(capability: PublisherCapability, name: string, local = false): string {
  return WHY[capability](local ? `The local map server '${name}'` : `Map server '${name}'`);
}

/** The capabilities `capabilities` lacks among `needs`. */
export function missingCapabilities(
  needs: readonly PublisherCapability[],
  capabilities: PublisherCapabilities | undefined,
): PublisherCapability[] {
  return capabilities ? needs.filter((need) => !capabilities[need]) : [];
}

/** A map server a task will use and what it needs of it, with the parameter it is reported at. */
export interface MapServerUse {
  parameter: string;
  name: string;
  needs: readonly PublisherCapability[];
  local: boolean;
}

/**
 * The map servers a task's capability-needing parameters stand for, after attribute resolution.
 * An omitted optional one is the local map server, unless another of them names a server
 * (`map-server` / `external-geoserver` name the same target); `localToo`: the task also reads the
 * local map server (the source of the rules it copies).
 */
export function mapServerUses(
  specs: readonly ParameterSpec[],
  values: Readonly<Record<string, string | undefined>>,
  local: string,
): MapServerUse[] {
  const needing = specs.filter((s) => s.kind === 'map-server' && (s.needs?.length ?? 0) > 0);
  const uses: MapServerUse[] = [];
  for (const spec of needing) {
    const name = values[spec.name];
    if (name !== undefined) uses.push({ parameter: spec.name, name, needs: spec.needs!, local: name === local });
    if (spec.localToo && name !== local) {
      uses.push({ parameter: spec.name, name: local, needs: spec.needs!, local: true });
    }
  }
  const named = needing.some((s) => values[s.name] !== undefined);
  const defaulted = needing.find((s) => !s.required);
  if (!named && defaulted) uses.push({ parameter: defaulted.name, name: local, needs: defaulted.needs!, local: true });
  return uses;
}
