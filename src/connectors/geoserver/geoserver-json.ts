import type { LayerMetadata, MetadataLink } from '../publisher.ts';
import type { MetadataMapJson } from './geoserver-metadata-map.ts';

/**
 * GeoServer's JSON (XStream + Jettison): a list of one comes back as the bare element, an empty
 * collection as `""` or not at all, and maps as `{"entry":[{"@key":k,"$":v}]}`. Decoders here
 * accept every form; encoders write arrays.
 */
export type OneOrMany<T> = T | T[] | '' | null | undefined;

export function asList<T>(value: OneOrMany<T>): T[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

export interface EntryMap {
  entry?: OneOrMany<{ '@key': string; $?: string | number | boolean | null }>;
}

export function fromEntries(map: EntryMap | '' | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!map) return out;
  for (const e of asList(map.entry)) out[e['@key']] = e.$ === undefined || e.$ === null ? '' : String(e.$);
  return out;
}

export function toEntries(record: Record<string, string>): { entry: Array<{ '@key': string; $: string }> } {
  return { entry: Object.entries(record).map(([k, v]) => ({ '@key': k, $: v })) };
}

export interface NamedRef {
  name: string;
  workspace?: string;
  href?: string;
}

export interface LayerJson {
  name: string;
  type?: string;
  defaultStyle?: NamedRef;
  resource?: { '@class'?: string; name?: string; href?: string };
}

interface MetadataLinkJson {
  type?: string;
  metadataType?: string;
  content?: string;
}

export interface ResourceJson {
  name: string;
  nativeName?: string;
  nativeCoverageName?: string;
  title?: string;
  abstract?: string;
  keywords?: { string?: OneOrMany<string> } | '';
  metadataLinks?: { metadataLink?: OneOrMany<MetadataLinkJson> } | '';
  advertised?: boolean;
  enabled?: boolean;
  /** The resource's metadata map (see geoserver-metadata-map.ts). */
  metadata?: MetadataMapJson | '';
  store?: NamedRef & { '@class'?: string };
}

export interface DataStoreJson {
  name: string;
  type?: string;
  connectionParameters?: EntryMap | '';
}

export interface CoverageStoreJson {
  name: string;
  type?: string;
  url?: string;
}

/** A keyword's text: GeoServer appends `\@language=..\;\@vocabulary=..\;` to the string. */
const keywordText = (k: string): string => k.split('\\@')[0] ?? k;

export function metadataOf(resource: ResourceJson): LayerMetadata {
  const metadata: LayerMetadata = {};
  if (resource.title) metadata.title = resource.title;
  if (resource.abstract) metadata.abstract = resource.abstract;
  const keywords = asList(resource.keywords ? resource.keywords.string : undefined).map(keywordText);
  if (keywords.length > 0) metadata.keywords = keywords;
  const links = asList(resource.metadataLinks ? resource.metadataLinks.metadataLink : undefined);
  if (links.length > 0) {
    metadata.metadataLinks = links.map((l): MetadataLink => ({
      href: l.content ?? '',
      type: l.metadataType ?? '',
      format: l.type ?? '',
    }));
  }
  return metadata;
}

/**
 * The resource fields of `metadata`. `replace`: fields not given are cleared (explicit null and
 * empty lists: PUT is a partial update); otherwise they are left out, so a PUT keeps them.
 */
export function metadataFields(metadata: LayerMetadata, replace: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const set = (key: string, value: unknown, empty: unknown) => {
    if (value !== undefined) fields[key] = value;
    else if (replace) fields[key] = empty;
  };
  set('title', metadata.title, null);
  set('abstract', metadata.abstract, null);
  set('keywords', metadata.keywords && { string: metadata.keywords }, { string: [] });
  set(
    'metadataLinks',
    metadata.metadataLinks && {
      metadataLink: metadata.metadataLinks.map((l) => ({ type: l.format, metadataType: l.type, content: l.href })),
    },
    { metadataLink: [] },
  );
  return fields;
}

export interface ResourceLocation {
  workspace: string;
  kind: 'featureType' | 'coverage';
  store: string;
  name: string;
}

/** Where a layer's resource lives, read from the `resource.href` of a layer. */
export function locationFromHref(href: string): ResourceLocation | undefined {
  const m =
    /\/workspaces\/([^/]+)\/(datastores|coveragestores)\/([^/]+)\/(featuretypes|coverages)\/([^/?]+?)(?:\.(?:json|xml))?(?:\?.*)?$/.exec(
      href,
    );
  if (!m) return undefined;
  const [, workspace = '', stores, store = '', , name = ''] = m;
  return {
    workspace: decodeURIComponent(workspace),
    kind: stores === 'datastores' ? 'featureType' : 'coverage',
    store: decodeURIComponent(store),
    name: decodeURIComponent(name),
  };
}
