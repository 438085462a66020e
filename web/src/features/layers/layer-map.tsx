import { useEffect, useRef, useState } from 'react';

import type { LayerPreview } from '../../../../src/contracts/layers.dto.ts';

type Preview = Extract<LayerPreview, { available: true }>;
type MapState = { kind: 'loading' } | { kind: 'loaded' } | { kind: 'error'; message: string };

const COLOR = '#1f6feb';

/**
 * The layer's vector tiles from the built-in publisher on a MapLibre GL map, zoomed to the data's
 * extent. No base map: geosync works offline, and the published data is what the admin checks.
 * MapLibre (about 1 MB) is loaded only when a map is shown.
 */
export function LayerMap({ preview, label }: { preview: Preview; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<MapState>({ kind: 'loading' });

  useEffect(() => {
    let disposed = false;
    let remove: (() => void) | undefined;
    void (async () => {
      try {
        const { createLayerMap } = await import('./maplibre-map.ts');
        if (disposed || !container.current) return;
        const map = createLayerMap(container.current, preview, COLOR, {
          onLoaded: () => !disposed && setState({ kind: 'loaded' }),
          onError: (message) => !disposed && setState({ kind: 'error', message }),
        });
        remove = () => map.remove();
      } catch (error) {
        if (!disposed) setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    })();
    return () => {
      disposed = true;
      remove?.();
    };
  }, [preview]);

  return (
    <div className="layer-map" data-map-state={state.kind}>
      <div ref={container} className="layer-map-canvas" role="region" aria-label={`Map of ${label}`} />
      {state.kind === 'loading' && (
        <span className="layer-map-status" role="status">
          Loading the map…
        </span>
      )}
      {state.kind === 'error' && (
        <span className="layer-map-status alert-error" role="alert">
          The map could not be drawn: {state.message}
        </span>
      )}
    </div>
  );
}
