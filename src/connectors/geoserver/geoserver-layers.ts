import { UserError } from '../../errors/errors.ts';
import type { LayerDefinition, LayerMetadata, LayerRef, PostgisSource, PublishedLayer } from '../publisher.ts';
import { type GeoserverClient, path } from './geoserver-client.ts';
import { httpError } from './geoserver-errors.ts';
import {
  baseName,
  checkAppSchemaNamespace,
  ensureAppSchemaStore,
  ensureCoverageStore,
  enableStoresMapping,
  pathOfUrl,
} from './geoserver-file-stores.ts';
import {
  asList,
  type CoverageStoreJson,
  type DataStoreJson,
  fromEntries,
  type LayerJson,
  locationFromHref,
  type OneOrMany,
  metadataFields,
  metadataOf,
  type ResourceJson,
  type ResourceLocation,
  toEntries,
} from './geoserver-json.ts';
import { timestampFields, timestampsOf } from './geoserver-metadata-map.ts';
import { dataStoreName, isSld, prefixed, type QualifiedRef } from './geoserver-names.ts';
import { deleteStorePath, resourcePath, resourcesOf, storePath, type Undo } from './geoserver-paths.ts';
import { ensureSldStyle, findNamedStyle, removeStyleIfUnused, type StyleRef } from './geoserver-styles.ts';

/** `ws:name` layer names of `GET /layers`, as refs, those of `workspace` only when given. */
export async function listLayers(
  client: GeoserverClient,
  workspace: string | undefined,
  signal: AbortSignal,
): Promise<LayerRef[]> {
  const list = await client.getJson<{ layers: { layer: OneOrMany<{ name: string }> } | '' }>('/layers', signal);
  const refs: LayerRef[] = [];
  for (const { name } of list && list.layers !== '' ? asList(list.layers.layer) : []) {
    const at = name.indexOf(':');
    const ref = at < 0 ? { name } : { workspace: name.slice(0, at), name: name.slice(at + 1) };
    if (workspace === undefined || ref.workspace === workspace) refs.push(ref);
  }
  return refs.sort((a, b) => `${a.workspace ?? ''}:${a.name}`.localeCompare(`${b.workspace ?? ''}:${b.name}`));
}

/** A layer as found on GeoServer: the layer document and where its resource lives. */
export interface FoundLayer {
  layer: LayerJson;
  location: ResourceLocation;
}

/** The JSON root of a resource body: `featureType` or `coverage`. */
const rootOf = (kind: ResourceLocation['kind']) => kind;

/** A 500 whose text is one of CatalogImpl's duplicate messages ("... already exists ..."). */
const isDuplicate = (status: number, body: string) => status === 500 && /already exists/i.test(body);

/** The layer `ref`, or undefined; found through `GET /layers/ws:name` (quietOnNotFound). */
export async function findLayer(
  client: GeoserverClient,
  ref: QualifiedRef,
  signal: AbortSignal,
): Promise<FoundLayer | undefined> {
  const answer = await client.getJson<{ layer: LayerJson }>(`/layers/${prefixed(ref)}`, signal);
  if (!answer) return undefined;
  const href = answer.layer.resource?.href ?? '';
  const location = locationFromHref(href);
  if (!location) {
    throw new UserError(
      'layer_unsupported',
      `Layer '${ref.workspace}:${ref.name}' on GeoServer at ${client.host} is not served from a data or coverage store`,
    );
  }
  return { layer: answer.layer, location };
}

export async function requireLayer(
  client: GeoserverClient,
  ref: QualifiedRef,
  signal: AbortSignal,
): Promise<FoundLayer> {
  const found = await findLayer(client, ref, signal);
  if (!found) {
    throw new UserError(
      'layer_not_found',
      `Layer '${ref.workspace}:${ref.name}' does not exist on GeoServer at ${client.host}`,
      {
        status: 404,
      },
    );
  }
  return found;
}

async function putResource(
  client: GeoserverClient,
  location: ResourceLocation,
  fields: Record<string, unknown>,
  signal: AbortSignal,
): Promise<void> {
  await client.rest('PUT', resourcePath(location), signal, { json: { [rootOf(location.kind)]: fields } });
}

/** The style of a layer document: `ws:name` or a name plus workspace for a workspace style. */
function styleOf(style: LayerJson['defaultStyle']): StyleRef | undefined {
  if (!style?.name) return undefined;
  const at = style.name.indexOf(':');
  if (at >= 0) return { workspace: style.name.slice(0, at), name: style.name.slice(at + 1) };
  return { name: style.name, ...(style.workspace ? { workspace: style.workspace } : {}) };
}

/** The layer as published: resource metadata, store settings (no password: GeoServer keeps it encrypted). */
export async function readLayer(
  client: GeoserverClient,
  ref: QualifiedRef,
  signal: AbortSignal,
): Promise<Omit<PublishedLayer, 'readRoles'> | undefined> {
  const found = await findLayer(client, ref, signal);
  if (!found) return undefined;
  const { location } = found;
  const resource = await client.getJson<Record<string, ResourceJson>>(resourcePath(location), signal);
  const r = resource?.[rootOf(location.kind)];
  if (!r) return undefined;
  let source: PublishedLayer['source'];
  if (location.kind === 'featureType') {
    const store = (await client.getJson<{ dataStore: DataStoreJson }>(storePath(location), signal))?.dataStore;
    const params = fromEntries(store?.connectionParameters);
    if (params.dbtype === 'app-schema') {
      // The mapping stays on GeoServer: its files are not read back, the main file is named.
      const mainFile = (params.url ?? '').split('/').pop() ?? '';
      source = { kind: 'app-schema', mainFile, files: [] };
    } else if (params.dbtype !== 'postgis') {
      throw new UserError(
        'layer_unsupported',
        `Layer '${ref.workspace}:${ref.name}' is served from a ${params.dbtype ?? 'unknown'} store, which geosync does not manage`,
      );
    } else {
      source = {
        kind: 'postgis',
        host: params.host ?? '',
        port: Number(params.port ?? 5432),
        database: params.database ?? '',
        user: params.user ?? '',
        schema: params.schema ?? 'public',
        table: r.nativeName ?? r.name,
      };
    }
  } else {
    const store = (await client.getJson<{ coverageStore: CoverageStoreJson }>(storePath(location), signal))
      ?.coverageStore;
    source = { kind: 'geotiff', path: pathOfUrl(store?.url ?? '') };
  }
  const style = styleOf(found.layer.defaultStyle);
  return {
    workspace: ref.workspace,
    name: ref.name,
    source,
    metadata: { ...metadataOf(r), ...timestampsOf(client, r) },
    advertised: r.advertised !== false,
    ...(style ? { style: style.name } : {}),
  };
}

async function undoAll(undo: Undo[]): Promise<void> {
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch {
      // Best effort: the original failure is what the caller must see.
    }
  }
}

/** Creates a missing workspace (with namespace URI `uri` when given: POST /namespaces makes both). */
async function ensureWorkspace(
  client: GeoserverClient,
  workspace: string,
  uri: string | undefined,
  signal: AbortSignal,
  undo: Undo[],
) {
  if (await client.getJson(path`/workspaces/${workspace}`, signal)) return;
  // 409 (or 500 for a namespace): created meanwhile by someone else, which is as good.
  const created = uri
    ? await client.rest('POST', '/namespaces', signal, {
        json: { namespace: { prefix: workspace, uri } },
        allow: [500],
      })
    : await client.rest('POST', '/workspaces', signal, { json: { workspace: { name: workspace } }, allow: [409] });
  if (created.status === 201) {
    undo.push(() =>
      client.rest('DELETE', path`/workspaces/${workspace}`, AbortSignal.timeout(10_000), { allow: [403, 404] }),
    );
  }
}

function connectionParameters(source: PostgisSource): Record<string, string> {
  return {
    dbtype: 'postgis',
    host: source.host,
    port: String(source.port),
    database: source.database,
    schema: source.schema,
    user: source.user,
    ...(source.password ? { passwd: source.password } : {}),
    'Expose primary keys': 'true',
    'Estimated extends': 'true',
  };
}

/**
 * The workspace's store for `source` (dataStoreName): reused when it points at the same
 * database and schema (the user is updated if it changed), created otherwise. A store of that
 * name pointing elsewhere is refused rather than re-pointed under other layers' feet.
 */
async function ensureDataStore(
  client: GeoserverClient,
  workspace: string,
  source: PostgisSource,
  signal: AbortSignal,
  undo: Undo[],
): Promise<string> {
  const name = dataStoreName(source);
  const location = { workspace, kind: 'featureType' as const, store: name };
  const params = connectionParameters(source);
  const body = { dataStore: { name, type: 'PostGIS', enabled: true, connectionParameters: toEntries(params) } };
  let existing = (await client.getJson<{ dataStore: DataStoreJson }>(storePath(location), signal))?.dataStore;
  if (!existing) {
    const created = await client.rest('POST', path`/workspaces/${workspace}/datastores`, signal, {
      json: body,
      allow: [500],
    });
    if (created.status === 201) {
      undo.push(() => client.rest('DELETE', deleteStorePath(location), AbortSignal.timeout(10_000), { allow: [404] }));
      return name;
    }
    if (!isDuplicate(created.status, created.body)) {
      throw httpError({
        host: client.host,
        what: `creating store '${name}'`,
        status: 500,
        body: client.redact(created.body),
      });
    }
    existing = (await client.getJson<{ dataStore: DataStoreJson }>(storePath(location), signal))?.dataStore;
  }
  const current = fromEntries(existing?.connectionParameters);
  const same = (['host', 'port', 'database', 'schema'] as const).every((k) => current[k] === params[k]);
  if (current.dbtype !== 'postgis' || !same) {
    throw new UserError(
      'store_conflict',
      `Store '${name}' in workspace '${workspace}' on GeoServer at ${client.host} points at another database ` +
        `(${current.host ?? '?'}:${current.port ?? '?'}/${current.database ?? '?'}, schema ${current.schema ?? '?'}): rename or remove it`,
      { status: 409 },
    );
  }
  if (current.user !== params.user) await client.rest('PUT', storePath(location), signal, { json: body });
  return name;
}

/**
 * POSTs a resource (GeoServer creates its layer too). A duplicate (500 "already exists") means
 * a resource of that name has no layer any more (an earlier removal stopped half-way): it is
 * removed and the POST repeated.
 */
async function createResource(
  client: GeoserverClient,
  location: ResourceLocation,
  fields: Record<string, unknown>,
  signal: AbortSignal,
): Promise<void> {
  const collection = `${storePath(location)}/${resourcesOf(location.kind)}`;
  const body = { json: { [rootOf(location.kind)]: fields }, allow: [500] };
  let created = await client.rest('POST', collection, signal, body);
  if (isDuplicate(created.status, created.body)) {
    await client.rest('DELETE', `${resourcePath(location)}?recurse=true`, signal, { allow: [404] });
    created = await client.rest('POST', collection, signal, body);
  }
  if (created.status === 500) {
    const what = isDuplicate(created.status, created.body)
      ? `a resource named '${location.name}' already exists in workspace '${location.workspace}' (in another store)`
      : client.redact(created.body.trim().slice(0, 300));
    throw new UserError(
      'layer_conflict',
      `GeoServer at ${client.host} cannot create layer '${location.workspace}:${location.name}': ${what}`,
      {
        status: 409,
      },
    );
  }
}

/**
 * Creates or replaces a layer: workspace, style (before anything else that could be refused),
 * store, resource with metadata and advertised flag, default style. Objects created by this call
 * are removed again if a later step fails.
 */
export async function publish(
  client: GeoserverClient,
  ref: QualifiedRef,
  layer: LayerDefinition,
  signal: AbortSignal,
): Promise<void> {
  const { source } = layer;
  if (source.kind === 'embedded') {
    throw new UserError(
      'source_unsupported',
      `GeoServer cannot serve '${source.schema}.${source.table}' of geosync's own store: copy it to a PostGIS database GeoServer can reach first`,
      { details: [{ field: 'source', message: 'embedded tables are served by the built-in publisher only' }] },
    );
  }
  if (source.kind === 'geotiff' && source.path.trim() === '' && !source.upload) {
    throw new UserError('invalid_layer', 'The GeoTIFF path is empty', {
      details: [{ field: 'source.path', message: 'required' }],
    });
  }
  if (source.kind === 'postgis') client.addSecret(source.password);
  // Checks first: nothing changes when the style or the mapping's namespace is wrong.
  const namespaceUri =
    source.kind === 'app-schema' ? await checkAppSchemaNamespace(client, ref, source, signal) : undefined;
  const workspaceExisted = (await client.getJson(path`/workspaces/${ref.workspace}`, signal)) !== undefined;
  const named =
    layer.style && !isSld(layer.style)
      ? await findNamedStyle(client, ref, layer.style, workspaceExisted, signal)
      : undefined;
  const undo: Undo[] = [];
  try {
    await ensureWorkspace(client, ref.workspace, namespaceUri, signal, undo);
    const style =
      layer.style && isSld(layer.style) ? await ensureSldStyle(client, ref.workspace, layer.style, signal) : named;
    let existing = await findLayer(client, ref, signal);
    const fields: Record<string, unknown> = {
      ...metadataFields(layer.metadata, true),
      advertised: layer.advertised,
      enabled: true,
    };
    const sameStore = (l: ResourceLocation) =>
      existing !== undefined && existing.location.kind === l.kind && existing.location.store === l.store;
    let location: ResourceLocation;
    let coverageCreated = false;
    if (source.kind === 'postgis') {
      const store = await ensureDataStore(client, ref.workspace, source, signal, undo);
      location = { workspace: ref.workspace, kind: 'featureType', store, name: ref.name };
      Object.assign(fields, { name: ref.name, nativeName: source.table });
    } else if (source.kind === 'app-schema') {
      const made = await ensureAppSchemaStore(client, ref, source, signal, undo);
      location = made.location;
      Object.assign(fields, { name: ref.name, nativeName: made.nativeName });
    } else {
      const target: ResourceLocation = { workspace: ref.workspace, kind: 'coverage', store: ref.name, name: ref.name };
      // An upload makes the coverage in the same call: a resource of that name elsewhere must go first.
      if (source.upload && existing && !sameStore(target)) {
        await removeResource(client, ref, existing, signal);
        existing = undefined;
      }
      ({ location, coverageCreated } = await ensureCoverageStore(client, ref, source, signal, undo));
    }
    if (existing && !sameStore(location)) {
      await removeResource(client, ref, existing, signal);
      existing = undefined;
    }
    Object.assign(fields, await timestampFields(client, existing && location, layer.metadata, true, signal));
    if (existing || coverageCreated) {
      await putResource(client, location, fields, signal);
    } else if (location.kind === 'featureType') {
      await createResource(client, location, fields, signal);
    } else {
      // Name-only POST (GeoServer builds the coverage from the file), then the metadata by PUT:
      // a POST with metadata but no srs would have its title and abstract dropped.
      const native = baseName(source.kind === 'geotiff' ? source.path : ref.name);
      await createResource(
        client,
        location,
        { name: ref.name, nativeName: native, nativeCoverageName: native },
        signal,
      );
      await putResource(client, location, fields, signal);
    }
    if (style) {
      await client.rest('PUT', `/layers/${prefixed(ref)}`, signal, {
        json: {
          layer: {
            defaultStyle: style.workspace ? { name: style.name, workspace: style.workspace } : { name: style.name },
          },
        },
      });
    }
  } catch (error) {
    if (!signal.aborted) await undoAll(undo);
    throw error;
  }
}

/** Deletes the layer and its resource; then the store if nothing else uses it, and an unused geosync style. */
export async function removeResource(
  client: GeoserverClient,
  ref: QualifiedRef,
  found: FoundLayer,
  signal: AbortSignal,
): Promise<void> {
  const { location } = found;
  const appSchemaType =
    location.kind === 'featureType' ? await appSchemaNativeName(client, location, signal) : undefined;
  await client.rest('DELETE', `/layers/${prefixed(ref)}`, signal, { allow: [404] });
  await client.rest('DELETE', `${resourcePath(location)}?recurse=true`, signal, { allow: [404] });
  const listing = await client.getJson<Record<string, Record<string, unknown> | ''>>(
    `${storePath(location)}/${resourcesOf(location.kind)}`,
    signal,
  );
  const collection = listing?.[`${rootOf(location.kind)}s`];
  const left = collection ? asList(collection[rootOf(location.kind)] as never) : [];
  if (listing && left.length === 0) {
    await client.rest('DELETE', deleteStorePath(location).replace('recurse=true&', ''), signal, { allow: [403, 404] });
  }
  const style = styleOf(found.layer.defaultStyle);
  if (style) await removeStyleIfUnused(client, style, signal);
  if (appSchemaType !== undefined) await enableStoresMapping(client, location.workspace, appSchemaType, signal);
}

/** The mapped type an app-schema resource publishes; undefined for other stores. */
async function appSchemaNativeName(
  client: GeoserverClient,
  location: ResourceLocation,
  signal: AbortSignal,
): Promise<string | undefined> {
  const store = (await client.getJson<{ dataStore: DataStoreJson }>(storePath(location), signal))?.dataStore;
  if (fromEntries(store?.connectionParameters).dbtype !== 'app-schema') return undefined;
  const r = await client.getJson<{ featureType: ResourceJson }>(resourcePath(location), signal);
  return r?.featureType.nativeName ?? location.name;
}

/**
 * Renames the resource (and so its layer) with a partial PUT, as the Task Manager commits; a
 * GeoTIFF or app-schema store named after the layer is renamed along. Repeating a rename that happened is a
 * no-op (recovery); a taken target name is refused.
 */
export async function rename(client: GeoserverClient, from: QualifiedRef, to: QualifiedRef, signal: AbortSignal) {
  if (from.workspace !== to.workspace) {
    throw new UserError(
      'invalid_layer',
      `GeoServer cannot move layer '${from.name}' to another workspace ('${from.workspace}' → '${to.workspace}')`,
    );
  }
  if (from.name === to.name) return;
  const found = await findLayer(client, from, signal);
  const target = await findLayer(client, to, signal);
  if (!found) {
    if (target) return;
    throw new UserError(
      'layer_not_found',
      `Layer '${from.workspace}:${from.name}' does not exist on GeoServer at ${client.host}`,
      {
        status: 404,
      },
    );
  }
  if (target) {
    throw new UserError(
      'layer_exists',
      `Layer '${to.workspace}:${to.name}' already exists on GeoServer at ${client.host}`,
      {
        status: 409,
      },
    );
  }
  await putResource(client, found.location, { name: to.name }, signal);
  const { location } = found;
  // Stores made for one layer (GeoTIFF, app-schema) are named after it and follow it.
  if (location.store === from.name) {
    const root = location.kind === 'coverage' ? 'coverageStore' : 'dataStore';
    const store = await client.getJson<Record<string, DataStoreJson>>(storePath(location), signal);
    const perLayer =
      location.kind === 'coverage' || fromEntries(store?.[root]?.connectionParameters).dbtype === 'app-schema';
    const free = !(await client.getJson(storePath({ ...location, store: to.name }), signal));
    if (perLayer && free) {
      await client.rest('PUT', storePath(location), signal, { json: { [root]: { name: to.name } } });
    }
  }
}

export async function setAdvertised(
  client: GeoserverClient,
  ref: QualifiedRef,
  advertised: boolean,
  signal: AbortSignal,
) {
  const { location } = await requireLayer(client, ref, signal);
  await putResource(client, location, { advertised }, signal);
}

/**
 * Replaces the layer's metadata as a whole, as the Publisher contract says (rollbacks put the
 * previous metadata back this way): fields left undefined are cleared, by explicit nulls and
 * empty lists since GeoServer's PUT is partial; the metadata map keeps its other entries.
 */
export async function updateMetadata(
  client: GeoserverClient,
  ref: QualifiedRef,
  metadata: LayerMetadata,
  signal: AbortSignal,
) {
  const { location } = await requireLayer(client, ref, signal);
  const fields = {
    ...metadataFields(metadata, true),
    ...(await timestampFields(client, location, metadata, true, signal)),
  };
  if (Object.keys(fields).length > 0) await putResource(client, location, fields, signal);
}
