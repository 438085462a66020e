import { useState } from 'react';

import type { Workspace } from '../../../../src/contracts/workspaces.dto.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Pager } from '../../components/pager.tsx';
import { Link, navigate } from '../../router.tsx';
import { useCreateWorkspace, useRemoveWorkspace, useWorkspaceList } from './admin-api.ts';
import { AdminOnly } from './admin-only.tsx';
import { workspacePagePath } from './admin-paths.ts';
import { NameDescriptionDialog } from './name-description-dialog.tsx';
import './admin.css';

const pageSize = 50;
const nameHint = 'Starts with a letter; letters, digits, _ . - only.';

type Dialog = { mode: 'add' } | { mode: 'remove'; workspace: Workspace };

export function WorkspacesPage() {
  return (
    <AdminOnly title="Workspaces">
      <WorkspacesList />
    </AdminOnly>
  );
}

function WorkspacesList() {
  const [offset, setOffset] = useState(0);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const workspaces = useWorkspaceList({ limit: pageSize, offset });
  const creation = useCreateWorkspace();
  const removal = useRemoveWorkspace();

  function open(next: Dialog) {
    creation.reset();
    removal.reset();
    setDialog(next);
  }

  return (
    <section className="page-section" aria-labelledby="workspaces-title">
      <div className="page-header">
        <div>
          <h1 id="workspaces-title">Workspaces</h1>
          <p className="muted">
            Configurations, batches and runs live in a workspace; its grants say which users and roles may read, run or
            change them.
          </p>
        </div>
        <button className="button button-primary" type="button" onClick={() => open({ mode: 'add' })}>
          Add workspace
        </button>
      </div>

      {workspaces.isPending ? (
        <LoadingState label="Loading workspaces…" />
      ) : workspaces.isError ? (
        <ErrorState error={workspaces.error} onRetry={() => void workspaces.refetch()} />
      ) : workspaces.data.items.length === 0 ? (
        <EmptyState title="No workspaces yet.">
          <p className="muted">Add one to hold configurations.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap admin-table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {workspaces.data.items.map((workspace) => (
                <tr key={workspace.id}>
                  <td className="cell-name">
                    <Link className="admin-link" to={workspacePagePath(workspace.id)}>
                      {workspace.name}
                    </Link>
                  </td>
                  <td className="cell-description" title={workspace.description || undefined}>
                    {workspace.description || <span className="muted">—</span>}
                  </td>
                  <td className="cell-actions">
                    <Link
                      className="button button-small"
                      to={workspacePagePath(workspace.id)}
                      aria-label={`Grants of ${workspace.name}`}
                    >
                      Grants
                    </Link>
                    <button
                      className="button button-small button-danger-outline"
                      type="button"
                      onClick={() => open({ mode: 'remove', workspace })}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {workspaces.data && <Pager total={workspaces.data.total} limit={pageSize} offset={offset} onChange={setOffset} />}

      {dialog?.mode === 'add' && (
        <NameDescriptionDialog
          title="Add workspace"
          submitLabel="Create workspace"
          nameHint={nameHint}
          pending={creation.isPending}
          save={(value, { onError }) =>
            creation.mutate(value, { onSuccess: (created) => navigate(workspacePagePath(created.id)), onError })
          }
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.mode === 'remove' && (
        <RemoveWorkspaceDialog
          workspace={dialog.workspace}
          pending={removal.isPending}
          error={removal.error}
          onConfirm={() => removal.mutate(dialog.workspace.id, { onSuccess: () => setDialog(null) })}
          onCancel={() => setDialog(null)}
        />
      )}
    </section>
  );
}

export function RemoveWorkspaceDialog({
  workspace,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  workspace: Workspace;
  pending: boolean;
  error: unknown;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <ConfirmDialog
      title={`Remove workspace ${workspace.name}?`}
      confirmLabel="Remove"
      pending={pending}
      error={error}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>
        The workspace <strong>{workspace.name}</strong> and its grants are removed. Remove its configurations first: a
        workspace that still holds some cannot be removed.
      </p>
    </ConfirmDialog>
  );
}
