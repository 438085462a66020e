import { UserError } from '../../errors/errors.ts';
import type { AppSchemaSource, RasterFileSource } from '../publisher.ts';
import { typeForLayer, mappedTypes, uploadMapping } from './geoserver-appschema.ts';
import { type GeoserverClient, path } from './geoserver-client.ts';
import {
  asList,
  type DataStoreJson,
  fromEntries,
  type OneOrMany,
  type ResourceJson,
  type ResourceLocation,
} from './geoserver-json.ts';
import type { QualifiedRef } from './geoserver-names.ts';
import { deleteStorePath, storePath, type Undo } from './geoserver-paths.ts';

/**
 * Stores made from files, one per layer and named after it (renamed with the layer): GeoTIFF
 * coverage stores (by reference or by upload) and app-schema stores (by upload).
 */

const hasScheme = (p: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(p);

/** The store URL of a file GeoServer reads itself: `file:` for paths, other URLs (`s3://...`) as they are. */
export function coverageUrl(file: string): string {
  if (hasScheme(file)) return file;
  return file.startsWith('/') ? `file://${file}` : `file:${file}`;
}

/** A coverage store URL back as the source's path: `file:` URLs as paths, others as they are. */
export function pathOfUrl(url: string): string {
  if (url.startsWith('file://')) return url.slice('file://'.length);
  return url.startsWith('file:') ? url.slice('file:'.length) : url;
}

/** GeoServer's coverage format for a URL: the S3 plugin's for `s3://` (as the Task Manager does), GeoTIFF else. */
const formatOf = (url: string) => (/^(file|https?):/i.test(url) ? 'GeoTIFF' : 'S3GeoTiff');

export const baseName = (file: string): string => (file.split('/').pop() ?? file).replace(/\.[^.]*$/, '');

/**
 * The coverage store of a GeoTIFF layer, named after the layer. By reference: the store points at
 * `source.path`; the caller then POSTs the coverage by name. By upload: `PUT file.geotiff`
 * streams the bytes and, with `configure=first`, GeoServer makes the store, the coverage (named
 * `coverageName`) and its layer in one call. Returns whether the coverage exists now.
 */
export async function ensureCoverageStore(
  client: GeoserverClient,
  ref: QualifiedRef,
  source: RasterFileSource,
  signal: AbortSignal,
  undo: Undo[],
): Promise<{ location: ResourceLocation; coverageCreated: boolean }> {
  const location: ResourceLocation = { workspace: ref.workspace, kind: 'coverage', store: ref.name, name: ref.name };
  const existed = (await client.getJson(storePath(location), signal)) !== undefined;
  const removeIfNew = () => {
    if (!existed) {
      undo.push(() => client.rest('DELETE', deleteStorePath(location), AbortSignal.timeout(10_000), { allow: [404] }));
    }
  };
  if (source.upload) {
    const { upload } = source;
    const query = `?configure=first&coverageName=${encodeURIComponent(ref.name)}`;
    removeIfNew();
    await client.rest('PUT', `${storePath(location)}/file.geotiff${query}`, signal, {
      stream: () => upload.open(),
      contentType: 'image/tiff',
    });
    return { location, coverageCreated: true };
  }
  const url = coverageUrl(source.path);
  const store = { name: ref.name, type: formatOf(url), enabled: true, workspace: { name: ref.workspace }, url };
  if (existed) {
    await client.rest('PUT', storePath(location), signal, { json: { coverageStore: store } });
  } else {
    await client.rest('POST', path`/workspaces/${ref.workspace}/coveragestores`, signal, {
      json: { coverageStore: store },
    });
    removeIfNew();
  }
  return { location, coverageCreated: false };
}

/**
 * The app-schema store of a layer, named after it, holding the uploaded mapping; returns where
 * the layer's feature type goes and the mapped type it publishes (its native name).
 */
export async function ensureAppSchemaStore(
  client: GeoserverClient,
  ref: QualifiedRef,
  source: AppSchemaSource,
  signal: AbortSignal,
  undo: Undo[],
): Promise<{ location: ResourceLocation; nativeName: string }> {
  const type = typeForLayer(mappedTypes(source), ref.name);
  const location: ResourceLocation = { workspace: ref.workspace, kind: 'featureType', store: ref.name, name: ref.name };
  const existed = (await client.getJson(storePath(location), signal)) !== undefined;
  // App-schema registers each mapped type once: another enabled store mapping it (the live layer,
  // while its replacement is staged) is disabled, as the Task Manager does; removing this layer
  // enables it again (rollback), or it goes with its own layer (commit).
  for (const other of await storesMapping(client, ref.workspace, type.local, signal)) {
    if (other.name === ref.name || !other.enabled) continue;
    await setStoreEnabled(client, ref.workspace, other.name, false, signal);
    undo.push(() => setStoreEnabled(client, ref.workspace, other.name, true, AbortSignal.timeout(10_000)));
  }
  await uploadMapping(client, ref.workspace, ref.name, source, signal);
  if (!existed) {
    undo.push(() => client.rest('DELETE', deleteStorePath(location), AbortSignal.timeout(10_000), { allow: [404] }));
  }
  return { location, nativeName: type.local };
}

interface StoreSummary {
  name: string;
  enabled: boolean;
}

const setStoreEnabled = (
  client: GeoserverClient,
  workspace: string,
  store: string,
  enabled: boolean,
  signal: AbortSignal,
) =>
  client.rest('PUT', storePath({ workspace, kind: 'featureType', store }), signal, {
    json: { dataStore: { enabled } },
  });

/** The app-schema stores of a workspace that publish mapped type `local` (a feature type of that native name). */
export async function storesMapping(
  client: GeoserverClient,
  workspace: string,
  local: string,
  signal: AbortSignal,
): Promise<StoreSummary[]> {
  const list = await client.getJson<{ dataStores: { dataStore: OneOrMany<{ name: string }> } | '' }>(
    path`/workspaces/${workspace}/datastores`,
    signal,
  );
  const found: StoreSummary[] = [];
  for (const { name } of list && list.dataStores !== '' ? asList(list.dataStores.dataStore) : []) {
    const at = { workspace, kind: 'featureType' as const, store: name };
    const store = (await client.getJson<{ dataStore: DataStoreJson & { enabled?: boolean } }>(storePath(at), signal))
      ?.dataStore;
    if (fromEntries(store?.connectionParameters).dbtype !== 'app-schema') continue;
    const types = await client.getJson<{ featureTypes: { featureType: OneOrMany<{ name: string }> } | '' }>(
      `${storePath(at)}/featuretypes`,
      signal,
    );
    for (const ft of types && types.featureTypes !== '' ? asList(types.featureTypes.featureType) : []) {
      const r = await client.getJson<{ featureType: ResourceJson }>(
        `${storePath(at)}/featuretypes${path`/${ft.name}`}`,
        signal,
      );
      if ((r?.featureType.nativeName ?? ft.name) === local) {
        found.push({ name, enabled: store?.enabled !== false });
        break;
      }
    }
  }
  return found;
}

/** After an app-schema layer is removed: stores disabled for it (see ensureAppSchemaStore) serve again. */
export async function enableStoresMapping(
  client: GeoserverClient,
  workspace: string,
  local: string,
  signal: AbortSignal,
): Promise<void> {
  for (const other of await storesMapping(client, workspace, local, signal)) {
    if (!other.enabled) await setStoreEnabled(client, workspace, other.name, true, signal);
  }
}

/**
 * Before anything changes: the workspace's namespace URI must be the one the mapping's types
 * live in (GeoServer finds a mapped type by namespace and name). Returns the URI a missing
 * workspace is created with.
 */
export async function checkAppSchemaNamespace(
  client: GeoserverClient,
  ref: QualifiedRef,
  source: AppSchemaSource,
  signal: AbortSignal,
): Promise<string> {
  const type = typeForLayer(mappedTypes(source), ref.name);
  const ns = await client.getJson<{ namespace: { uri?: string } }>(path`/namespaces/${ref.workspace}`, signal);
  if (ns && ns.namespace.uri !== type.uri) {
    throw new UserError(
      'namespace_mismatch',
      `Workspace '${ref.workspace}' on GeoServer at ${client.host} has the namespace ${ns.namespace.uri ?? '(none)'}, ` +
        `but the mapping's ${type.prefix}:${type.local} lives in ${type.uri}: publish it in a workspace of that namespace`,
      { status: 409, details: [{ field: 'workspace', message: `namespace must be ${type.uri}` }] },
    );
  }
  return type.uri;
}
