import type { LayerDetail } from '../../../../src/contracts/layers.dto.ts';
import { ErrorState } from '../../components/page-states.tsx';
import { useLayerTargets } from './layers-api.ts';

/** The remote map servers (publication targets) that also have this layer of the local map server. */
export function LayerTargets({ layer }: { layer: LayerDetail }) {
  const targets = useLayerTargets({ workspace: layer.workspace, name: layer.name }, layer.mapServer.local);
  return (
    <section className="layer-card" aria-labelledby="layer-targets-title">
      <h2 id="layer-targets-title">Publication targets</h2>
      {targets.isPending ? (
        <p className="muted" role="status">
          <span className="spinner spinner-small" aria-hidden="true" /> Asking the other map servers…
        </p>
      ) : targets.isError ? (
        <ErrorState error={targets.error} onRetry={() => void targets.refetch()} />
      ) : targets.data.items.length === 0 ? (
        <p className="muted">
          No other map servers. Add a GeoServer or MapServer connection to publish this layer there too.
        </p>
      ) : (
        <ul className="layer-targets">
          {targets.data.items.map((target) => (
            <li key={target.mapServer.name}>
              <span className="layer-target-name">{target.mapServer.name}</span>{' '}
              <span className="muted">({target.mapServer.type})</span>:{' '}
              {target.published === null ? (
                <span className="error-text">could not ask: {target.error}</span>
              ) : target.published ? (
                target.advertised === false ? (
                  'published, unadvertised'
                ) : (
                  'published'
                )
              ) : (
                <span className="muted">not published</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
