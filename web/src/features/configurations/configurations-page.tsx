import { useState } from 'react';

import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Pager } from '../../components/pager.tsx';
import { Link, navigate, useLocation } from '../../router.tsx';
import { type ConfigurationListItem, editorPath, useConfigurationList, useWorkspaces } from './configurations-api.ts';
import { RemoveConfigurationDialog } from './remove-dialog.tsx';
import { newPath, nouns } from './nouns.ts';
import './configurations.css';

const pageSize = 25;

/** The list of templates (`template`) or of configurations. */
export function ConfigurationsPage({ template }: { template: boolean }) {
  const noun = nouns(template);
  const { pathname, searchParams } = useLocation();
  // Filters live in the URL so a reload or a shared link keeps them.
  const workspace = searchParams.get('workspace') ?? '';
  const search = searchParams.get('search') ?? '';
  const [offset, setOffset] = useState(0);
  const [removing, setRemoving] = useState<ConfigurationListItem | null>(null);

  const list = useConfigurationList({
    template,
    workspace: workspace || undefined,
    search: search.trim() || undefined,
    limit: pageSize,
    offset,
  });
  const workspaces = useWorkspaces();
  const canCreate = (workspaces.data ?? []).some((w) => w.myLevel === 'admin');
  // Creating and removing need the admin level on the workspace (the server checks it too).
  const canChange = (name: string) => (workspaces.data ?? []).some((w) => w.name === name && w.myLevel === 'admin');

  function setFilter(name: 'workspace' | 'search', value: string) {
    const next = new URLSearchParams(searchParams);
    if (value) next.set(name, value);
    else next.delete(name);
    setOffset(0);
    const query = next.toString();
    navigate(query ? `${pathname}?${query}` : pathname, { replace: true });
  }

  return (
    <section className="page-section" aria-labelledby="configurations-title">
      <div className="page-header">
        <div>
          <h1 id="configurations-title">{noun.Plural}</h1>
          <p className="muted">
            {template
              ? 'Reusable sets of tasks and batches; configurations are made from them by filling in their attributes.'
              : 'Tasks and batches of one data flow, with the values of their attributes.'}
          </p>
        </div>
        {canCreate && (
          <Link className="button button-primary" to={newPath(template)}>
            New {noun.singular}
          </Link>
        )}
      </div>

      <div className="toolbar cfg-toolbar-wrap">
        <label className="inline-field">
          <span>Workspace</span>
          <select value={workspace} onChange={(event) => setFilter('workspace', event.target.value)}>
            <option value="">All workspaces</option>
            {(workspaces.data ?? []).map((w) => (
              <option key={w.id} value={w.name}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Search</span>
          <input
            type="search"
            className="cfg-search-input"
            placeholder="Name contains…"
            value={search}
            onChange={(event) => setFilter('search', event.target.value)}
          />
        </label>
        {list.data && (
          <span className="muted" aria-live="polite">
            {list.data.total} {list.data.total === 1 ? noun.singular : noun.plural}
          </span>
        )}
        {list.isFetching && !list.isPending && <span className="spinner spinner-small" aria-hidden="true" />}
      </div>

      {workspaces.isError && <ErrorState error={workspaces.error} onRetry={() => void workspaces.refetch()} />}

      {list.isPending ? (
        <LoadingState label={`Loading ${noun.plural}…`} />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <EmptyState title={search || workspace ? `No ${noun.plural} match.` : `No ${noun.plural} yet.`}>
          {canCreate && !search && !workspace && <p className="muted">Create one with “New {noun.singular}”.</p>}
          {!canCreate && workspaces.isSuccess && (
            <p className="muted">You need the admin level on a workspace to create {noun.plural}.</p>
          )}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Workspace</th>
                <th scope="col">Description</th>
                {!template && <th scope="col">State</th>}
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((item) => (
                <tr key={item.id}>
                  <td className="cell-name">
                    <Link className="connection-name" to={editorPath(item)}>
                      {item.name}
                    </Link>
                  </td>
                  <td>{item.workspace}</td>
                  <td className="cell-description" title={item.description || undefined}>
                    {item.description || <span className="muted">—</span>}
                  </td>
                  {!template && (
                    <td>
                      <ValidatedBadge validated={item.validated} />
                    </td>
                  )}
                  <td className="muted">{new Date(item.updatedAt).toLocaleString()}</td>
                  <td className="cell-actions">
                    {canChange(item.workspace) && (
                      <>
                        {template && (
                          <Link
                            className="button button-small"
                            to={`${newPath(false)}?from=${item.id}`}
                            aria-label={`New configuration from ${item.name}`}
                          >
                            Use
                          </Link>
                        )}
                        <Link
                          className="button button-small"
                          to={`${newPath(template)}?from=${item.id}`}
                          aria-label={`Copy ${item.name}`}
                        >
                          Copy
                        </Link>
                        <button
                          className="button button-small button-danger-outline"
                          type="button"
                          onClick={() => setRemoving(item)}
                          aria-label={`Remove ${item.name}`}
                        >
                          Remove
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {list.data && <Pager total={list.data.total} limit={pageSize} offset={offset} onChange={setOffset} />}

      {removing && <RemoveConfigurationDialog configuration={removing} onClose={() => setRemoving(null)} />}
    </section>
  );
}

export function ValidatedBadge({ validated }: { validated: boolean }) {
  return validated ? (
    <span className="badge cfg-badge-ok">validated</span>
  ) : (
    <span className="badge cfg-badge-warn">not validated</span>
  );
}
