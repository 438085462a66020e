import { type FormEvent, useState } from 'react';

import type { User } from '../../../../src/contracts/users.dto.ts';
import { FormField } from '../../components/form-field.tsx';
import { Modal } from '../../components/modal.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { useCreateUser, useUpdateUser } from './admin-api.ts';
import { FormAlert } from './form-alert.tsx';
import { PasswordFields, type PasswordPair, emptyPasswordPair, passwordPairErrors } from './password-fields.tsx';
import { RolesPicker } from './roles-picker.tsx';

const fieldPaths = ['username', 'displayName', 'email', 'roles', 'password'];

/** Adds a user (no `user`), or changes one's display name, e-mail and roles. */
export function UserFormDialog({ user, onClose }: { user?: User; onClose: () => void }) {
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [roles, setRoles] = useState<string[]>(user?.roles ?? []);
  const [password, setPassword] = useState<PasswordPair>(emptyPasswordPair);
  const [passwordErrors, setPasswordErrors] = useState<{ password?: string; confirmation?: string }>({});
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const createMutation = useCreateUser();
  const updateMutation = useUpdateUser();
  const pending = createMutation.isPending || updateMutation.isPending;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fields: Record<string, string> = {};
    if (!user && !username.trim()) fields.username = 'Required';
    const pairErrors = user ? {} : passwordPairErrors(password);
    setPasswordErrors(pairErrors);
    if (Object.keys(fields).length > 0 || Object.keys(pairErrors).length > 0) {
      setErrors({ fields, general: [] });
      return;
    }
    setErrors(noFormErrors);
    const onError = (error: unknown) => setErrors(toFormErrors(error, fieldPaths));
    const common = { displayName: displayName.trim(), email: email.trim() || null, roles };
    if (user) {
      updateMutation.mutate({ id: user.id, changes: common }, { onSuccess: onClose, onError });
    } else {
      createMutation.mutate(
        { ...common, username: username.trim(), password: password.password },
        { onSuccess: onClose, onError },
      );
    }
  }

  return (
    <Modal title={user ? `Edit user ${user.username}` : 'Add user'} onClose={onClose}>
      <form className="modal-form" onSubmit={submit} noValidate>
        <div className="modal-body">
          <FormAlert errors={errors} />
          {user ? (
            <div className="field">
              <span className="field-label">User name</span>
              <p className="static-value">{user.username}</p>
            </div>
          ) : (
            <FormField
              label="User name"
              required
              error={errors.fields.username}
              hint="Starts with a letter; letters, digits, _ . - only."
            >
              {(control) => (
                <input
                  {...control}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={63}
                  autoFocus
                  value={username}
                  onChange={(event) => setUsername(event.target.value)}
                />
              )}
            </FormField>
          )}
          <FormField label="Display name" error={errors.fields.displayName}>
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                maxLength={200}
                autoFocus={user !== undefined}
                value={displayName}
                onChange={(event) => setDisplayName(event.target.value)}
              />
            )}
          </FormField>
          <FormField label="E-mail" error={errors.fields.email}>
            {(control) => (
              <input
                {...control}
                type="email"
                autoComplete="off"
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            )}
          </FormField>
          <RolesPicker value={roles} onChange={setRoles} error={errors.fields.roles} />
          {!user && (
            <PasswordFields
              label="Password"
              value={password}
              onChange={setPassword}
              errors={{ ...passwordErrors, password: passwordErrors.password ?? errors.fields.password }}
            />
          )}
        </div>
        <div className="modal-footer">
          <button className="button" type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="button button-primary" type="submit" disabled={pending}>
            {pending ? 'Saving…' : user ? 'Save changes' : 'Create user'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
