import { path } from './geoserver-client.ts';
import type { ResourceLocation } from './geoserver-json.ts';

export const storesOf = (kind: ResourceLocation['kind']) => (kind === 'featureType' ? 'datastores' : 'coveragestores');
export const resourcesOf = (kind: ResourceLocation['kind']) => (kind === 'featureType' ? 'featuretypes' : 'coverages');

export const storePath = (l: Pick<ResourceLocation, 'workspace' | 'kind' | 'store'>): string =>
  `${path`/workspaces/${l.workspace}`}/${storesOf(l.kind)}${path`/${l.store}`}`;

export const resourcePath = (l: ResourceLocation): string =>
  `${storePath(l)}/${resourcesOf(l.kind)}${path`/${l.name}`}`;

/** An undo step of a publication, run in reverse when a later step fails (best effort). */
export type Undo = () => Promise<unknown>;

/** Deletes a store with what it holds, and the files GeoServer keeps for it (uploads). */
export const deleteStorePath = (l: Pick<ResourceLocation, 'workspace' | 'kind' | 'store'>): string =>
  `${storePath(l)}?recurse=true&purge=all`;
