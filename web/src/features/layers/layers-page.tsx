import { type FormEvent, useState } from 'react';

import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Pager } from '../../components/pager.tsx';
import { Link, navigate, useLocation } from '../../router.tsx';
import { describeRoles } from '../connections/roles-text.ts';
import { layerPath, useLocalLayers } from './layers-api.ts';
import './layers.css';

const pageSize = 50;

/** The layers of the local map server; workspace filter and page live in the URL. */
export function LayersPage() {
  const { pathname, searchParams } = useLocation();
  const workspace = searchParams.get('workspace') ?? '';
  const offset = Math.max(0, Number(searchParams.get('offset')) || 0);
  const layers = useLocalLayers({ workspace: workspace || undefined, limit: pageSize, offset });
  const [draft, setDraft] = useState(workspace);

  function go(next: { workspace?: string; offset?: number }) {
    const params = new URLSearchParams();
    const ws = next.workspace ?? workspace;
    if (ws) params.set('workspace', ws);
    if (next.offset) params.set('offset', String(next.offset));
    const text = params.toString();
    navigate(text ? `${pathname}?${text}` : pathname, { replace: true });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    go({ workspace: draft.trim(), offset: 0 });
  }

  const server = layers.data?.mapServer;
  return (
    <section className="page-section" aria-labelledby="layers-title">
      <div className="page-header">
        <div>
          <h1 id="layers-title">Layers</h1>
          <p className="muted">
            {server
              ? `Published on the local map server “${server.name}” (${server.type}), unadvertised ones included.`
              : 'Published on the local map server.'}
          </p>
        </div>
      </div>

      <form className="toolbar toolbar-wrap" onSubmit={submit} role="search" aria-label="Filter layers">
        <label className="inline-field">
          <span>Workspace</span>
          <input value={draft} onChange={(event) => setDraft(event.target.value)} placeholder="All workspaces" />
        </label>
        <button className="button button-small" type="submit">
          Filter
        </button>
        {workspace && (
          <button
            className="button button-small"
            type="button"
            onClick={() => {
              setDraft('');
              go({ workspace: '', offset: 0 });
            }}
          >
            Clear filter
          </button>
        )}
        {layers.data && (
          <span className="muted" aria-live="polite">
            {layers.data.total} {layers.data.total === 1 ? 'layer' : 'layers'}
          </span>
        )}
        {layers.isFetching && !layers.isPending && <span className="spinner spinner-small" aria-hidden="true" />}
      </form>

      {layers.isPending ? (
        <LoadingState label="Loading layers…" />
      ) : layers.isError ? (
        <ErrorState error={layers.error} onRetry={() => void layers.refetch()} />
      ) : layers.data.items.length === 0 ? (
        <EmptyState title={workspace ? `No layers in workspace “${workspace}”.` : 'No layers published yet.'}>
          <p className="muted">
            {workspace
              ? 'Clear the filter to see every layer.'
              : 'Run a configuration with a publication task (e.g. LocalDbPublication) to publish one.'}
          </p>
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="data-table layers-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Workspace</th>
                  <th scope="col">Title</th>
                  <th scope="col">Advertised</th>
                  <th scope="col">Read roles</th>
                </tr>
              </thead>
              <tbody>
                {layers.data.items.map((layer) => (
                  <tr key={`${layer.workspace ?? ''}:${layer.name}`}>
                    <td className="cell-name">
                      <Link to={layerPath(layer)}>{layer.name}</Link>
                    </td>
                    <td>{layer.workspace ?? <span className="muted">none</span>}</td>
                    <td>{layer.title ?? <span className="muted">no title</span>}</td>
                    <td>
                      <AdvertisedBadge advertised={layer.advertised} />
                    </td>
                    <td className="cell-roles">{describeRoles(layer.readRoles)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={layers.data.total} limit={pageSize} offset={offset} onChange={(next) => go({ offset: next })} />
        </>
      )}
    </section>
  );
}

export function AdvertisedBadge({ advertised }: { advertised: boolean }) {
  return advertised ? (
    <span className="badge layer-badge-advertised">Advertised</span>
  ) : (
    <span className="badge layer-badge-hidden" title="Reachable by name, listed nowhere">
      Unadvertised
    </span>
  );
}
