import { useState } from 'react';

import type { Role } from '../../../../src/contracts/users.dto.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { useCreateRole, useRemoveRole, useRoles } from './admin-api.ts';
import { AdminOnly } from './admin-only.tsx';
import { NameDescriptionDialog } from './name-description-dialog.tsx';
import './admin.css';

type Dialog = { mode: 'add' } | { mode: 'remove'; role: Role };

export function RolesPage() {
  return (
    <AdminOnly title="Roles">
      <RolesList />
    </AdminOnly>
  );
}

function RolesList() {
  const roles = useRoles();
  const creation = useCreateRole();
  const removal = useRemoveRole();
  const [dialog, setDialog] = useState<Dialog | null>(null);

  function open(next: Dialog) {
    creation.reset();
    removal.reset();
    setDialog(next);
  }

  return (
    <section className="page-section" aria-labelledby="roles-title">
      <div className="page-header">
        <div>
          <h1 id="roles-title">Roles</h1>
          <p className="muted">
            Groups of users. Give a role rights on a workspace under Workspaces, and users a role under Users.
          </p>
        </div>
        <button className="button button-primary" type="button" onClick={() => open({ mode: 'add' })}>
          Add role
        </button>
      </div>

      {roles.isPending ? (
        <LoadingState label="Loading roles…" />
      ) : roles.isError ? (
        <ErrorState error={roles.error} onRetry={() => void roles.refetch()} />
      ) : roles.data.length === 0 ? (
        <EmptyState title="No roles yet." />
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
              {roles.data.map((role) => (
                <tr key={role.name}>
                  <td className="cell-name">
                    <span className="connection-name">{role.name}</span>
                    {role.builtin && <span className="badge badge-builtin">built-in</span>}
                  </td>
                  <td className="cell-description" title={role.description || undefined}>
                    {role.description || <span className="muted">—</span>}
                  </td>
                  <td className="cell-actions">
                    <button
                      className="button button-small button-danger-outline"
                      type="button"
                      onClick={() => open({ mode: 'remove', role })}
                      disabled={role.builtin}
                      title={role.builtin ? 'Built-in roles cannot be removed' : undefined}
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

      {dialog?.mode === 'add' && (
        <NameDescriptionDialog
          title="Add role"
          submitLabel="Create role"
          nameHint="Lower-case letters, digits, _ and - only; starts with a letter."
          pending={creation.isPending}
          save={(value, callbacks) => creation.mutate(value, callbacks)}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.mode === 'remove' && (
        <ConfirmDialog
          title={`Remove role ${dialog.role.name}?`}
          confirmLabel="Remove"
          pending={removal.isPending}
          error={removal.error}
          onConfirm={() => removal.mutate(dialog.role.name, { onSuccess: () => setDialog(null) })}
          onCancel={() => setDialog(null)}
        >
          <p>
            The role <strong>{dialog.role.name}</strong> is taken from its users, and its workspace grants are removed.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
