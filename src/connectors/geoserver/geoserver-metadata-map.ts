import type { LayerMetadata } from '../publisher.ts';
import type { GeoserverClient } from './geoserver-client.ts';
import { asList, type OneOrMany, type ResourceJson, type ResourceLocation } from './geoserver-json.ts';
import { resourcePath } from './geoserver-paths.ts';

/**
 * A resource's `metadata` map (MetadataMap) as GeoServer's JSON writes it:
 * `{"entry":[{"@key":"k","$":"v"}, ...]}`. A nested map (the metadata community module keeps its
 * fields in the map `custom`) is an entry holding `{"map":{"entry":[...]}}` (the XStream form of a
 * HashMap value; unverified against a real GeoServer). Entries geosync does not touch are sent
 * back exactly as read: a PUT of `metadata` replaces the whole map.
 */
export interface MetadataEntryJson {
  '@key': string;
  $?: unknown;
  map?: MetadataMapJson | '';
  [other: string]: unknown;
}

export interface MetadataMapJson {
  entry?: OneOrMany<MetadataEntryJson>;
}

export const entriesOf = (map: MetadataMapJson | '' | undefined): MetadataEntryJson[] => (map ? asList(map.entry) : []);

/** The text at key path `path` (`custom._timestamp`), or undefined. */
export function readKeyPath(entries: MetadataEntryJson[], path: string): string | undefined {
  const [key, ...rest] = path.split('.');
  const entry = entries.find((e) => e['@key'] === key);
  if (!entry) return undefined;
  if (rest.length > 0) return readKeyPath(entriesOf(entry.map), rest.join('.'));
  const value = entry.$;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * The entries with key path `path` set to `value` (undefined: removed), creating nested maps on
 * the way; other entries are kept as they are.
 */
export function withKeyPath(
  entries: MetadataEntryJson[],
  path: string,
  value: string | undefined,
): MetadataEntryJson[] {
  const [key = '', ...rest] = path.split('.');
  const others = entries.filter((e) => e['@key'] !== key);
  const current = entries.find((e) => e['@key'] === key);
  if (rest.length === 0) return value === undefined ? others : [...others, { '@key': key, $: value }];
  const inner = withKeyPath(entriesOf(current?.map), rest.join('.'), value);
  if (inner.length === 0 && value === undefined) return current ? others : entries;
  return [...others, { '@key': key, map: { entry: inner } }];
}

/** The data and metadata timestamps kept in the resource's metadata map (at the configured key paths). */
export function timestampsOf(
  client: GeoserverClient,
  r: ResourceJson,
): Pick<LayerMetadata, 'dataTimestamp' | 'metadataTimestamp'> {
  const entries = entriesOf(r.metadata);
  const data = readKeyPath(entries, client.timestampKeys.data);
  const meta = readKeyPath(entries, client.timestampKeys.metadata);
  return { ...(data !== undefined && { dataTimestamp: data }), ...(meta !== undefined && { metadataTimestamp: meta }) };
}

/**
 * The `metadata` field that writes the timestamps of `metadata` into the resource's map, other
 * entries kept (a PUT of `metadata` replaces the whole map). `replace`: timestamps not given are
 * removed; otherwise left. Empty when nothing changes.
 */
export async function timestampFields(
  client: GeoserverClient,
  location: ResourceLocation | undefined,
  metadata: LayerMetadata,
  replace: boolean,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  if (!replace && metadata.dataTimestamp === undefined && metadata.metadataTimestamp === undefined) return {};
  const current = location && (await client.getJson<Record<string, ResourceJson>>(resourcePath(location), signal));
  let entries = entriesOf(current?.[location!.kind]?.metadata);
  const before = JSON.stringify(entries);
  for (const [key, value] of [
    [client.timestampKeys.data, metadata.dataTimestamp],
    [client.timestampKeys.metadata, metadata.metadataTimestamp],
  ] as const) {
    if (value !== undefined || replace) entries = withKeyPath(entries, key, value);
  }
  if (location ? JSON.stringify(entries) === before : entries.length === 0) return {};
  return { metadata: { entry: entries } };
}
