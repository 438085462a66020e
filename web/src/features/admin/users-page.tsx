import { useState } from 'react';

import type { User } from '../../../../src/contracts/users.dto.ts';
import { errorMessage } from '../../api-client.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Pager } from '../../components/pager.tsx';
import { useCurrentSession } from '../auth/use-session.ts';
import { useRemoveUser, useUpdateUser, useUsers } from './admin-api.ts';
import { AdminOnly } from './admin-only.tsx';
import { PasswordDialog } from './password-dialog.tsx';
import { UserFormDialog } from './user-form-dialog.tsx';
import './admin.css';

const pageSize = 50;

type Dialog = { mode: 'add' } | { mode: 'edit' | 'password' | 'disable' | 'remove'; user: User };

export function UsersPage() {
  return (
    <AdminOnly title="Users">
      <UsersList />
    </AdminOnly>
  );
}

function UsersList() {
  const { user: me } = useCurrentSession();
  const [offset, setOffset] = useState(0);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState('');
  const users = useUsers({ limit: pageSize, offset });
  const update = useUpdateUser();
  const removal = useRemoveUser();

  function open(next: Dialog) {
    setNotice('');
    update.reset();
    removal.reset();
    setDialog(next);
  }

  function close(message = '') {
    setDialog(null);
    setNotice(message);
  }

  function enable(user: User) {
    setNotice('');
    update.mutate(
      { id: user.id, changes: { disabled: false } },
      { onSuccess: () => setNotice(`${user.username} can log in again.`) },
    );
  }

  return (
    <section className="page-section" aria-labelledby="users-title">
      <div className="page-header">
        <div>
          <h1 id="users-title">Users</h1>
          <p className="muted">Who can log in, with which roles. Administrators have the built-in role admin.</p>
        </div>
        <button className="button button-primary" type="button" onClick={() => open({ mode: 'add' })}>
          Add user
        </button>
      </div>

      {notice && (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      )}
      {!dialog && update.isError && (
        <p className="alert alert-error" role="alert">
          {errorMessage(update.error)}
        </p>
      )}

      {users.isPending ? (
        <LoadingState label="Loading users…" />
      ) : users.isError ? (
        <ErrorState error={users.error} onRetry={() => void users.refetch()} />
      ) : users.data.items.length === 0 ? (
        <EmptyState title="No users yet." />
      ) : (
        <div className="table-wrap admin-table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">E-mail</th>
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <tr key={user.id}>
                  <td className="cell-name">
                    <span className="connection-name">{user.username}</span>
                    {user.id === me.id && <span className="badge admin-badge">you</span>}
                    {user.displayName && <div className="muted">{user.displayName}</div>}
                  </td>
                  <td>{user.email ?? <span className="muted">—</span>}</td>
                  <td>
                    {user.roles.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      <span className="admin-badges">
                        {user.roles.map((role) => (
                          <span
                            key={role}
                            className={`badge admin-badge${role === 'admin' ? ' admin-badge-strong' : ''}`}
                          >
                            {role}
                          </span>
                        ))}
                      </span>
                    )}
                  </td>
                  <td>
                    <span className={`admin-status ${user.disabled ? 'admin-status-off' : 'admin-status-on'}`}>
                      {user.disabled ? 'Disabled' : 'Active'}
                    </span>
                  </td>
                  <td className="cell-actions">
                    <button className="button button-small" type="button" onClick={() => open({ mode: 'edit', user })}>
                      Edit
                    </button>
                    <button
                      className="button button-small"
                      type="button"
                      onClick={() => open({ mode: 'password', user })}
                    >
                      Reset password
                    </button>
                    {user.disabled ? (
                      <button
                        className="button button-small"
                        type="button"
                        onClick={() => enable(user)}
                        disabled={update.isPending}
                      >
                        Enable
                      </button>
                    ) : (
                      <button
                        className="button button-small"
                        type="button"
                        onClick={() => open({ mode: 'disable', user })}
                      >
                        Disable
                      </button>
                    )}
                    <button
                      className="button button-small button-danger-outline"
                      type="button"
                      onClick={() => open({ mode: 'remove', user })}
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

      {users.data && <Pager total={users.data.total} limit={pageSize} offset={offset} onChange={setOffset} />}

      {dialog?.mode === 'add' && <UserFormDialog onClose={() => close()} />}
      {dialog?.mode === 'edit' && <UserFormDialog user={dialog.user} onClose={() => close()} />}
      {dialog?.mode === 'password' && (
        <PasswordDialog
          user={dialog.user}
          onClose={() => close()}
          onDone={() => close(`The password of ${dialog.user.username} is changed.`)}
        />
      )}
      {dialog?.mode === 'disable' && (
        <ConfirmDialog
          title={`Disable user ${dialog.user.username}?`}
          confirmLabel="Disable"
          pending={update.isPending}
          error={update.error}
          onConfirm={() =>
            update.mutate(
              { id: dialog.user.id, changes: { disabled: true } },
              { onSuccess: () => close(`${dialog.user.username} is disabled.`) },
            )
          }
          onCancel={() => close()}
        >
          <p>
            <strong>{dialog.user.username}</strong> is logged out and can no longer log in or use API tokens until
            enabled again. Nothing of theirs is removed.
          </p>
        </ConfirmDialog>
      )}
      {dialog?.mode === 'remove' && (
        <ConfirmDialog
          title={`Remove user ${dialog.user.username}?`}
          confirmLabel="Remove"
          pending={removal.isPending}
          error={removal.error}
          onConfirm={() =>
            removal.mutate(dialog.user.id, { onSuccess: () => close(`${dialog.user.username} is removed.`) })
          }
          onCancel={() => close()}
        >
          <p>
            The user <strong>{dialog.user.username}</strong>, their API tokens and their workspace grants are removed
            for good. Disable the user instead to keep them.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
