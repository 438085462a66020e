import 'maplibre-gl/dist/maplibre-gl.css';
import { type LngLatBoundsLike, Map as MapLibreMap, NavigationControl, setWorkerUrl } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';

import type { LayerPreview } from '../../../../src/contracts/layers.dto.ts';

type Preview = Extract<LayerPreview, { available: true }>;

// The bundle moves MapLibre away from its worker file; tell it where Vite put the worker.
setWorkerUrl(workerUrl);

type GeometryFilter = ['match', ['geometry-type'], string[], boolean, boolean];
const isType = (...types: string[]): GeometryFilter => ['match', ['geometry-type'], types, true, false];

/** A map showing one vector tile layer; `onLoaded` fires when the first tiles are drawn. */
export function createLayerMap(
  container: HTMLElement,
  preview: Preview,
  color: string,
  events: { onLoaded: () => void; onError: (message: string) => void },
): MapLibreMap {
  // `{z}` must stay unencoded in the template, so no URL() here.
  const tiles = `${window.location.origin}${preview.tiles}`;
  const bounds: LngLatBoundsLike | undefined = preview.bbox
    ? [
        [preview.bbox[0]!, preview.bbox[1]!],
        [preview.bbox[2]!, preview.bbox[3]!],
      ]
    : undefined;
  const map = new MapLibreMap({
    container,
    style: {
      version: 8,
      sources: { data: { type: 'vector', tiles: [tiles], minzoom: 0, maxzoom: 16 } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#f8fafc' } },
        {
          id: 'fill',
          type: 'fill',
          source: 'data',
          'source-layer': preview.tileLayer,
          filter: isType('Polygon', 'MultiPolygon'),
          paint: { 'fill-color': color, 'fill-opacity': 0.25, 'fill-outline-color': color },
        },
        {
          id: 'line',
          type: 'line',
          source: 'data',
          'source-layer': preview.tileLayer,
          filter: isType('LineString', 'MultiLineString'),
          paint: { 'line-color': color, 'line-width': 2 },
        },
        {
          id: 'point',
          type: 'circle',
          source: 'data',
          'source-layer': preview.tileLayer,
          filter: isType('Point', 'MultiPoint'),
          paint: {
            'circle-color': color,
            'circle-radius': 5,
            'circle-stroke-color': '#ffffff',
            'circle-stroke-width': 1.5,
          },
        },
      ],
    },
    ...(bounds ? { bounds, fitBoundsOptions: { padding: 40, maxZoom: 14 } } : { center: [0, 20], zoom: 1 }),
    attributionControl: false,
  });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  map.once('idle', events.onLoaded);
  // A listener keeps MapLibre from logging the error to the console itself.
  map.on('error', (event) => events.onError(event.error?.message ?? 'unknown error'));
  return map;
}
