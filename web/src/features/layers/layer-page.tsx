import type { ReactNode } from 'react';

import type { LayerDetail, LayerSourceView } from '../../../../src/contracts/layers.dto.ts';
import { ApiError } from '../../api-client.ts';
import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link } from '../../router.tsx';
import { describeRoles } from '../connections/roles-text.ts';
import { LayerMap } from './layer-map.tsx';
import { LayerTargets } from './layer-targets.tsx';
import { useLocalLayer } from './layers-api.ts';
import { AdvertisedBadge } from './layers-page.tsx';
import './layers.css';

/** One layer of the local map server: map preview, metadata, source (never a secret). */
export function LayerPage({ workspace, name }: { workspace?: string; name: string }) {
  const { server, layer } = useLocalLayer({ workspace, name });
  const failed = server.isError ? server : layer.isError ? layer : undefined;
  if (failed) {
    const gone = failed.error instanceof ApiError && failed.error.status === 404;
    return (
      <section className="page-section">
        <BackLink />
        <ErrorState error={failed.error} onRetry={gone ? undefined : () => void failed.refetch()} />
      </section>
    );
  }
  if (!layer.data) return <LoadingState label="Loading the layer…" />;

  const current = layer.data;
  const fullName = current.workspace === undefined ? current.name : `${current.workspace}:${current.name}`;
  return (
    <section className="page-section" aria-labelledby="layer-title">
      <BackLink />
      <div className="page-header">
        <div>
          <h1 id="layer-title">{current.metadata.title ?? current.name}</h1>
          <p className="muted">
            Layer <code>{fullName}</code> on map server “{current.mapServer.name}” ({current.mapServer.type})
          </p>
        </div>
        <AdvertisedBadge advertised={current.advertised} />
      </div>

      <div className="layer-grid">
        <div>
          <section className="layer-card" aria-labelledby="layer-map-title">
            <h2 id="layer-map-title">Map preview</h2>
            {current.preview.available ? (
              <>
                <LayerMap preview={current.preview} label={fullName} />
                {!current.preview.bbox && (
                  <p className="muted">The layer has no features yet: the map shows the world.</p>
                )}
              </>
            ) : (
              <p className="alert alert-info">No map preview: {current.preview.reason}</p>
            )}
          </section>
          <MetadataCard layer={current} />
        </div>
        <div>
          <section className="layer-card" aria-labelledby="layer-publication-title">
            <h2 id="layer-publication-title">Publication</h2>
            <Facts
              rows={[
                ['Map server', `${current.mapServer.name}${current.mapServer.local ? ' (local)' : ''}`],
                ['Workspace', current.workspace ?? 'none'],
                ['Name', current.name],
                ['Advertised', current.advertised ? 'Yes' : 'No: reachable by name, listed nowhere'],
                ['Read roles', describeRoles(current.readRoles)],
                ['Style', current.style ?? 'default'],
              ]}
            />
          </section>
          <section className="layer-card" aria-labelledby="layer-source-title">
            <h2 id="layer-source-title">Source</h2>
            <Facts rows={sourceRows(current.source)} />
          </section>
          {current.mapServer.local && <LayerTargets layer={current} />}
          {current.preview.available && (
            <section className="layer-card" aria-labelledby="layer-ogc-title">
              <h2 id="layer-ogc-title">OGC API</h2>
              <ul>
                <li>
                  <a href={current.preview.collection}>Collection</a>
                </li>
                <li>
                  <a href={current.preview.items}>Features (GeoJSON)</a>
                </li>
                <li>
                  Vector tiles: <code>{current.preview.tiles}</code>
                </li>
              </ul>
            </section>
          )}
        </div>
      </div>
    </section>
  );
}

function MetadataCard({ layer }: { layer: LayerDetail }) {
  const { metadata } = layer;
  return (
    <section className="layer-card" aria-labelledby="layer-metadata-title">
      <h2 id="layer-metadata-title">Metadata</h2>
      <Facts
        rows={[
          ['Title', metadata.title ?? <span className="muted">none</span>],
          ['Abstract', metadata.abstract ?? <span className="muted">none</span>],
          [
            'Keywords',
            metadata.keywords?.length ? (
              <ul className="layer-keywords">
                {metadata.keywords.map((keyword) => (
                  <li key={keyword}>{keyword}</li>
                ))}
              </ul>
            ) : (
              <span className="muted">none</span>
            ),
          ],
          [
            'Metadata links',
            metadata.metadataLinks?.length ? (
              <ul>
                {metadata.metadataLinks.map((link) => (
                  <li key={link.href}>
                    <a href={link.href} rel="noreferrer" target="_blank">
                      {link.type}
                    </a>{' '}
                    <span className="muted">({link.format})</span>
                  </li>
                ))}
              </ul>
            ) : (
              <span className="muted">none</span>
            ),
          ],
          ['Data changed', formatTime(metadata.dataTimestamp)],
          ['Metadata changed', formatTime(metadata.metadataTimestamp)],
        ]}
      />
    </section>
  );
}

function sourceRows(source: LayerSourceView): Array<[string, ReactNode]> {
  switch (source.kind) {
    case 'embedded':
      return [
        ['Kind', "Table of geosync's local database"],
        ['Table', `${source.schema}.${source.table}`],
      ];
    case 'postgis':
      return [
        ['Kind', 'PostGIS table'],
        ['Database', `${source.user}@${source.host}:${source.port}/${source.database}`],
        ['Table', `${source.schema}.${source.table}`],
      ];
    case 'geotiff':
      return [
        ['Kind', 'GeoTIFF file'],
        ['Path', source.path],
      ];
    case 'app-schema':
      return [
        ['Kind', 'App-schema mapping'],
        ['Mapping', source.mainFile],
        ['Files', source.files.join(', ')],
      ];
  }
}

function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="layer-facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function formatTime(value: string | undefined): ReactNode {
  if (!value) return <span className="muted">not recorded</span>;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

function BackLink() {
  return (
    <p>
      <Link to="/layers">← All layers</Link>
    </p>
  );
}
