import { keepPreviousData, useQuery } from '@tanstack/react-query';

import type { LayerDetail, LayerList, LayerTarget } from '../../../../src/contracts/layers.dto.ts';
import { api, withQuery } from '../../api-client.ts';

export const layersKey = ['layers'] as const;

export interface LayerFilter {
  workspace?: string;
  limit: number;
  offset: number;
}

/** A page of the local map server's layers (`publication.localMapServer`). */
export function useLocalLayers(filter: LayerFilter) {
  return useQuery({
    queryKey: [...layersKey, 'local', filter],
    queryFn: ({ signal }) => api.get<LayerList>(withQuery('/layers', { ...filter }), { signal }),
    placeholderData: keepPreviousData,
    // Runs publish and remove layers behind the UI's back: always ask again when the page opens.
    staleTime: 0,
  });
}

/** Where a layer's page lives in the UI: `/layers/<workspace>/<name>` or `/layers/<name>`. */
export function layerPath(layer: { workspace?: string; name: string }): string {
  const parts = layer.workspace === undefined ? [layer.name] : [layer.workspace, layer.name];
  return `/layers/${parts.map(encodeURIComponent).join('/')}`;
}

/**
 * One layer of the local map server. The list tells the local map server's name; the layer page
 * reached by a link asks the list for it first (one small request) so the URL needs no server name.
 */
export function useLocalLayer(ref: { workspace?: string; name: string }) {
  const server = useQuery({
    queryKey: [...layersKey, 'local-server'],
    queryFn: ({ signal }) => api.get<LayerList>(withQuery('/layers', { limit: 1 }), { signal }),
    staleTime: 60_000,
  });
  const mapServer = server.data?.mapServer.name;
  const layer = useQuery({
    queryKey: [...layersKey, 'one', mapServer, ref.workspace, ref.name],
    enabled: mapServer !== undefined,
    queryFn: ({ signal }) => {
      const parts = [mapServer!, 'layers', ...(ref.workspace === undefined ? [] : [ref.workspace]), ref.name];
      return api.get<LayerDetail>(`/map-servers/${parts.map(encodeURIComponent).join('/')}`, { signal });
    },
    staleTime: 0,
  });
  return { server, layer };
}

/** Which other map servers also have the layer (checked on each, so only when the page asks). */
export function useLayerTargets(ref: { workspace?: string; name: string }, enabled: boolean) {
  return useQuery({
    queryKey: [...layersKey, 'targets', ref.workspace, ref.name],
    enabled,
    staleTime: 0,
    queryFn: ({ signal }) =>
      api.get<{ items: LayerTarget[] }>(withQuery('/layers/targets', { workspace: ref.workspace, layer: ref.name }), {
        signal,
      }),
  });
}
