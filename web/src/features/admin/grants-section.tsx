import { useState } from 'react';

import type { Grant } from '../../../../src/contracts/workspaces.dto.ts';
import { errorMessage } from '../../api-client.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { useGrants, useSetGrants } from './admin-api.ts';
import { GrantForm } from './grant-form.tsx';
import { type WorkspaceLevel, workspaceLevels } from './level-text.ts';

const sameHolder = (a: Grant, b: Grant) => a.user === b.user && a.role === b.role;
const holderText = (grant: Grant) => (grant.user !== undefined ? `user ${grant.user}` : `role ${grant.role ?? ''}`);

/** A workspace's grants. The API replaces the whole list, so each change sends all of them. */
export function GrantsSection({ workspaceId, canListUsers }: { workspaceId: string; canListUsers: boolean }) {
  const grants = useGrants(workspaceId, true);
  const setGrants = useSetGrants(workspaceId);
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const list = grants.data ?? [];

  function save(next: Grant[], onSuccess?: () => void) {
    setGrants.mutate(next, { onSuccess });
  }

  // Granting to someone who has a grant already changes its level: the API allows one per holder.
  function grant(added: Grant) {
    const exists = list.some((existing) => sameHolder(existing, added));
    save(exists ? list.map((existing) => (sameHolder(existing, added) ? added : existing)) : [...list, added]);
  }

  function changeLevel(changed: Grant, level: WorkspaceLevel) {
    save(list.map((existing) => (sameHolder(existing, changed) ? { ...existing, level } : existing)));
  }

  return (
    <section className="admin-panel" aria-labelledby="grants-title">
      <h2 id="grants-title">Grants</h2>
      <p className="muted">
        Administrators may do everything in every workspace. Everyone else sees a workspace only through a grant to them
        or to one of their roles; the highest level counts.
      </p>
      {setGrants.isError && !revoking && (
        <p className="alert alert-error" role="alert">
          {errorMessage(setGrants.error)}
        </p>
      )}
      {grants.isPending ? (
        <LoadingState label="Loading grants…" />
      ) : grants.isError ? (
        <ErrorState error={grants.error} onRetry={() => void grants.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState title="No grants yet: only administrators can see this workspace." />
      ) : (
        <div className="table-wrap admin-table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Granted to</th>
                <th scope="col">Level</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((item) => (
                <tr key={holderText(item)}>
                  <td className="cell-name">
                    <span className="connection-name">{item.user ?? item.role}</span>
                    <span className="badge admin-badge">{item.user !== undefined ? 'user' : 'role'}</span>
                  </td>
                  <td>
                    <select
                      className="admin-level-select"
                      aria-label={`Level of ${holderText(item)}`}
                      value={item.level}
                      disabled={setGrants.isPending}
                      onChange={(event) => changeLevel(item, event.target.value as WorkspaceLevel)}
                    >
                      {workspaceLevels.map((value) => (
                        <option key={value} value={value}>
                          {value}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="cell-actions">
                    <button
                      className="button button-small button-danger-outline"
                      type="button"
                      aria-label={`Revoke the grant of ${holderText(item)}`}
                      onClick={() => {
                        setGrants.reset();
                        setRevoking(item);
                      }}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {grants.isSuccess && <GrantForm canListUsers={canListUsers} pending={setGrants.isPending} onGrant={grant} />}

      {revoking && (
        <ConfirmDialog
          title={`Revoke the grant of ${holderText(revoking)}?`}
          confirmLabel="Revoke"
          pending={setGrants.isPending}
          error={setGrants.error}
          onConfirm={() =>
            save(
              list.filter((existing) => !sameHolder(existing, revoking)),
              () => setRevoking(null),
            )
          }
          onCancel={() => setRevoking(null)}
        >
          <p>
            The {holderText(revoking)} loses its <strong>{revoking.level}</strong> access to this workspace (other
            grants, e.g. through a role, still count).
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
