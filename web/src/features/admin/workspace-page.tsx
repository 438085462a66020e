import { useState } from 'react';

import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link, navigate } from '../../router.tsx';
import { useCurrentSession } from '../auth/use-session.ts';
import { useRemoveWorkspace, useUpdateWorkspace, useWorkspace } from './admin-api.ts';
import { workspacesPath } from './admin-paths.ts';
import { GrantsSection } from './grants-section.tsx';
import { levelMeaning } from './level-text.ts';
import { NameDescriptionDialog } from './name-description-dialog.tsx';
import { RemoveWorkspaceDialog } from './workspaces-page.tsx';
import './admin.css';

/**
 * One workspace: name, description and grants. Open to the workspace's own admins too (the API
 * lets them rename it and manage its grants); only administrators may remove it.
 */
export function WorkspacePage({ id }: { id: string }) {
  const { user } = useCurrentSession();
  const workspace = useWorkspace(id);
  const update = useUpdateWorkspace();
  const removal = useRemoveWorkspace();
  const [dialog, setDialog] = useState<'edit' | 'remove' | null>(null);

  if (workspace.isPending) return <LoadingState label="Loading workspace…" />;
  if (workspace.isError) {
    return (
      <section className="page-section">
        <p>
          <Link to={workspacesPath}>← Workspaces</Link>
        </p>
        <ErrorState error={workspace.error} onRetry={() => void workspace.refetch()} />
      </section>
    );
  }
  const current = workspace.data;
  const manages = current.myLevel === 'admin';

  return (
    <section className="page-section" aria-labelledby="workspace-title">
      {user.isAdmin && (
        <p className="admin-back">
          <Link to={workspacesPath}>← Workspaces</Link>
        </p>
      )}
      <div className="page-header">
        <div>
          <h1 id="workspace-title">Workspace {current.name}</h1>
          <p className="muted">{current.description || 'No description.'}</p>
        </div>
        <div className="admin-actions">
          {manages && (
            <button
              className="button"
              type="button"
              onClick={() => {
                update.reset();
                setDialog('edit');
              }}
            >
              Rename or describe
            </button>
          )}
          {user.isAdmin && (
            <button
              className="button button-danger-outline"
              type="button"
              onClick={() => {
                removal.reset();
                setDialog('remove');
              }}
            >
              Remove workspace
            </button>
          )}
        </div>
      </div>

      {manages ? (
        <GrantsSection workspaceId={current.id} canListUsers={user.isAdmin} />
      ) : (
        <p className="alert alert-info">
          Your level here is {levelMeaning[current.myLevel]}. Only the workspace&apos;s admins see and change its
          grants.
        </p>
      )}

      {dialog === 'edit' && (
        <NameDescriptionDialog
          title={`Edit workspace ${current.name}`}
          submitLabel="Save changes"
          nameHint="Starts with a letter; letters, digits, _ . - only. Configurations keep their workspace."
          initial={{ name: current.name, description: current.description }}
          pending={update.isPending}
          save={(changes, callbacks) => update.mutate({ id: current.id, changes }, callbacks)}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'remove' && (
        <RemoveWorkspaceDialog
          workspace={current}
          pending={removal.isPending}
          error={removal.error}
          onConfirm={() => removal.mutate(current.id, { onSuccess: () => navigate(workspacesPath) })}
          onCancel={() => setDialog(null)}
        />
      )}
    </section>
  );
}
