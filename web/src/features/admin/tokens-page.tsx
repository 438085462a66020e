import { type FormEvent, useState } from 'react';

import type { ApiToken } from '../../../../src/contracts/users.dto.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { FormField } from '../../components/form-field.tsx';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { type CreatedApiToken, useCreateToken, useRevokeToken, useTokens } from './admin-api.ts';
import { FormAlert } from './form-alert.tsx';
import { NewTokenPanel } from './new-token-panel.tsx';
import './admin.css';

const expiryChoices = [
  { value: '', label: 'Never' },
  { value: '7', label: 'In 7 days' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
];

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : null);

function tokenState(token: ApiToken): { text: string; on: boolean } {
  if (token.revoked) return { text: 'Revoked', on: false };
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= Date.now()) return { text: 'Expired', on: false };
  return { text: 'Active', on: true };
}

/** Every user's own API tokens: for scripts and other programs that call the API as that user. */
export function TokensPage() {
  const tokens = useTokens();
  const creation = useCreateToken();
  const revocation = useRevokeToken();
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('');
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) {
      setErrors({ fields: { name: 'Required' }, general: [] });
      return;
    }
    setErrors(noFormErrors);
    setCreated(null);
    creation.mutate(
      { name: name.trim(), expiresInDays: expiry ? Number(expiry) : null },
      {
        onSuccess: (token) => {
          setCreated(token);
          setName('');
        },
        onError: (error) => setErrors(toFormErrors(error, ['name', 'expiresInDays'])),
      },
    );
  }

  return (
    <section className="page-section" aria-labelledby="tokens-title">
      <div className="page-header">
        <div>
          <h1 id="tokens-title">API tokens</h1>
          <p className="muted">
            A token lets a script call the geosync API as you, with your rights. Revoke one as soon as it is no longer
            needed or may have leaked.
          </p>
        </div>
      </div>

      {created && <NewTokenPanel key={created.id} token={created} onDone={() => setCreated(null)} />}

      <form className="admin-panel admin-token-form" onSubmit={submit} noValidate aria-labelledby="create-token-title">
        <h2 id="create-token-title">Create a token</h2>
        <FormAlert errors={errors} />
        <div className="admin-inline-fields">
          <FormField label="Token name" required error={errors.fields.name} hint="What it is for, e.g. nightly-import.">
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                maxLength={100}
                value={name}
                onChange={(event) => setName(event.target.value)}
              />
            )}
          </FormField>
          <FormField label="Expires" error={errors.fields.expiresInDays}>
            {(control) => (
              <select {...control} value={expiry} onChange={(event) => setExpiry(event.target.value)}>
                {expiryChoices.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <button className="button button-primary" type="submit" disabled={creation.isPending}>
            {creation.isPending ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>

      <h2>Your tokens</h2>
      {tokens.isPending ? (
        <LoadingState label="Loading tokens…" />
      ) : tokens.isError ? (
        <ErrorState error={tokens.error} onRetry={() => void tokens.refetch()} />
      ) : tokens.data.length === 0 ? (
        <EmptyState title="No API tokens yet." />
      ) : (
        <div className="table-wrap admin-table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => {
                const state = tokenState(token);
                return (
                  <tr key={token.id}>
                    <td className="cell-name">
                      <span className="connection-name">{token.name}</span>
                    </td>
                    <td>
                      <code>{token.prefix}…</code>
                    </td>
                    <td>{when(token.createdAt)}</td>
                    <td>{when(token.lastUsedAt) ?? <span className="muted">never</span>}</td>
                    <td>{when(token.expiresAt) ?? <span className="muted">never</span>}</td>
                    <td>
                      <span className={`admin-status ${state.on ? 'admin-status-on' : 'admin-status-off'}`}>
                        {state.text}
                      </span>
                    </td>
                    <td className="cell-actions">
                      {!token.revoked && (
                        <button
                          className="button button-small button-danger-outline"
                          type="button"
                          aria-label={`Revoke token ${token.name}`}
                          onClick={() => {
                            revocation.reset();
                            setRevoking(token);
                          }}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {revoking && (
        <ConfirmDialog
          title={`Revoke token ${revoking.name}?`}
          confirmLabel="Revoke"
          pending={revocation.isPending}
          error={revocation.error}
          onConfirm={() =>
            revocation.mutate(revoking.id, {
              onSuccess: () => {
                if (created?.id === revoking.id) setCreated(null);
                setRevoking(null);
              },
            })
          }
          onCancel={() => setRevoking(null)}
        >
          <p>
            Programs using <strong>{revoking.name}</strong> (<code>{revoking.prefix}…</code>) are refused from now on.
            This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
