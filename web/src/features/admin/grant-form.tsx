import { type FormEvent, useState } from 'react';

import type { Grant } from '../../../../src/contracts/workspaces.dto.ts';
import { errorMessage } from '../../api-client.ts';
import { FormField } from '../../components/form-field.tsx';
import { useRoles, useUserNames } from './admin-api.ts';
import { type WorkspaceLevel, levelMeaning, workspaceLevels } from './level-text.ts';

type Kind = 'user' | 'role';

/**
 * Adds a grant. Users are picked from the list when the caller may list them (administrators);
 * a workspace admin who is not one types the user name.
 */
export function GrantForm({
  canListUsers,
  pending,
  onGrant,
}: {
  canListUsers: boolean;
  pending: boolean;
  onGrant: (grant: Grant) => void;
}) {
  const [kind, setKind] = useState<Kind>('role');
  const [name, setName] = useState('');
  const [level, setLevel] = useState<WorkspaceLevel>('read');
  const [error, setError] = useState('');
  const roles = useRoles();
  const users = useUserNames(canListUsers);
  const choices = kind === 'role' ? roles.data?.map((role) => role.name) : users.data;
  const choicesError = kind === 'role' ? roles.error : users.error;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) {
      setError(kind === 'role' ? 'Choose a role' : 'Choose a user');
      return;
    }
    setError('');
    onGrant(kind === 'role' ? { role: name.trim(), level } : { user: name.trim(), level });
    setName('');
  }

  return (
    <form className="admin-grant-form" onSubmit={submit} noValidate aria-labelledby="add-grant-title">
      <h3 id="add-grant-title" className="admin-form-title">
        Add a grant
      </h3>
      <FormField label="Grant to">
        {(control) => (
          <select
            {...control}
            value={kind}
            onChange={(event) => {
              setKind(event.target.value as Kind);
              setName('');
            }}
          >
            <option value="role">A role</option>
            <option value="user">A user</option>
          </select>
        )}
      </FormField>
      <FormField
        label={kind === 'role' ? 'Role' : 'User'}
        error={error || (choicesError ? `The list could not be loaded: ${errorMessage(choicesError)}` : undefined)}
      >
        {(control) =>
          choices ? (
            <select {...control} value={name} onChange={(event) => setName(event.target.value)}>
              <option value="">Choose…</option>
              {choices.map((choice) => (
                <option key={choice} value={choice}>
                  {choice}
                </option>
              ))}
            </select>
          ) : (
            <input
              {...control}
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={63}
              value={name}
              onChange={(event) => setName(event.target.value)}
            />
          )
        }
      </FormField>
      <FormField label="Level" hint={levelMeaning[level]}>
        {(control) => (
          <select {...control} value={level} onChange={(event) => setLevel(event.target.value as WorkspaceLevel)}>
            {workspaceLevels.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        )}
      </FormField>
      <button className="button button-primary" type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Grant'}
      </button>
    </form>
  );
}
