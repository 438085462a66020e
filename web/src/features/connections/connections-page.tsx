import { useState } from 'react';

import type { Connection } from '../../../../src/contracts/connections.dto.ts';
import { Modal } from '../../components/modal.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Pager } from '../../components/pager.tsx';
import { navigate, useLocation } from '../../router.tsx';
import { connectionKindList, isConnectionKind, kindPluralLabels, kindPluralTitle } from './connection-kinds.ts';
import { ConnectionFormDialog } from './connection-form-dialog.tsx';
import { ConnectionRow } from './connection-row.tsx';
import { useConnectionTypes, useConnections } from './connections-api.ts';
import { DeleteConnectionDialog } from './delete-connection-dialog.tsx';

const pageSize = 50;

type Dialog = { mode: 'add' } | { mode: 'edit'; connection: Connection } | { mode: 'delete'; connection: Connection };

export function ConnectionsPage() {
  const { pathname, searchParams } = useLocation();
  const kindParam = searchParams.get('kind') ?? '';
  // The filter lives in the URL so a reload or a shared link keeps it.
  const kind = isConnectionKind(kindParam) ? kindParam : undefined;
  const [offset, setOffset] = useState(0);
  const [dialog, setDialog] = useState<Dialog | null>(null);

  const connections = useConnections({ kind, limit: pageSize, offset });
  const types = useConnectionTypes();
  const typeList = types.data ?? [];
  const canAdd = typeList.length > 0;

  function chooseKind(next: string) {
    setOffset(0);
    navigate(next ? `${pathname}?kind=${encodeURIComponent(next)}` : pathname, { replace: true });
  }

  const testable = (connection: Connection) =>
    typeList.find((type) => type.type === connection.type)?.testable ?? connection.builtin;

  return (
    <section className="page-section" aria-labelledby="connections-title">
      <div className="page-header">
        <div>
          <h1 id="connections-title">Connections</h1>
          <p className="muted">Databases, file services, map servers and peers that geosync reaches.</p>
        </div>
        {canAdd && (
          <button className="button button-primary" type="button" onClick={() => setDialog({ mode: 'add' })}>
            Add connection
          </button>
        )}
      </div>

      <div className="toolbar">
        <label className="inline-field">
          <span>Kind</span>
          <select value={kind ?? ''} onChange={(event) => chooseKind(event.target.value)}>
            <option value="">All kinds</option>
            {connectionKindList.map((value) => (
              <option key={value} value={value}>
                {kindPluralTitle(value)}
              </option>
            ))}
          </select>
        </label>
        {connections.data && (
          <span className="muted" aria-live="polite">
            {connections.data.total} {connections.data.total === 1 ? 'connection' : 'connections'}
          </span>
        )}
        {connections.isFetching && !connections.isPending && (
          <span className="spinner spinner-small" aria-hidden="true" />
        )}
      </div>

      {types.isError && <ErrorState error={types.error} onRetry={() => void types.refetch()} />}

      {connections.isPending ? (
        <LoadingState label="Loading connections…" />
      ) : connections.isError ? (
        <ErrorState error={connections.error} onRetry={() => void connections.refetch()} />
      ) : connections.data.items.length === 0 ? (
        <EmptyState title={kind ? `No ${kindPluralLabels[kind]} yet.` : 'No connections yet.'}>
          {canAdd && <p className="muted">Add one to let geosync reach your data.</p>}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Type</th>
                <th scope="col">Description</th>
                <th scope="col">Access</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {connections.data.items.map((connection) => (
                <ConnectionRow
                  key={connection.id}
                  connection={connection}
                  testable={testable(connection)}
                  onEdit={() => setDialog({ mode: 'edit', connection })}
                  onDelete={() => setDialog({ mode: 'delete', connection })}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {connections.data && (
        <Pager total={connections.data.total} limit={pageSize} offset={offset} onChange={setOffset} />
      )}

      {(dialog?.mode === 'add' || dialog?.mode === 'edit') &&
        (types.isSuccess ? (
          <ConnectionFormDialog
            connection={dialog.mode === 'edit' ? dialog.connection : undefined}
            types={typeList}
            onClose={() => setDialog(null)}
          />
        ) : (
          <Modal title="Connection" onClose={() => setDialog(null)}>
            <div className="modal-body">
              {types.isError ? <ErrorState error={types.error} /> : <LoadingState label="Loading connection types…" />}
            </div>
          </Modal>
        ))}
      {dialog?.mode === 'delete' && (
        <DeleteConnectionDialog connection={dialog.connection} onClose={() => setDialog(null)} />
      )}
    </section>
  );
}
