import { type FormEvent, useState } from 'react';

import type { User } from '../../../../src/contracts/users.dto.ts';
import { Modal } from '../../components/modal.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { useResetPassword } from './admin-api.ts';
import { FormAlert } from './form-alert.tsx';
import { PasswordFields, type PasswordPair, emptyPasswordPair, passwordPairErrors } from './password-fields.tsx';

/** An administrator sets a new password for a user; the API ends that user's sessions. */
export function PasswordDialog({ user, onDone, onClose }: { user: User; onDone: () => void; onClose: () => void }) {
  const [pair, setPair] = useState<PasswordPair>(emptyPasswordPair);
  const [pairErrors, setPairErrors] = useState<{ password?: string; confirmation?: string }>({});
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const reset = useResetPassword();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = passwordPairErrors(pair);
    setPairErrors(found);
    setErrors(noFormErrors);
    if (Object.keys(found).length > 0) return;
    reset.mutate(
      { id: user.id, newPassword: pair.password },
      { onSuccess: onDone, onError: (error) => setErrors(toFormErrors(error, ['newPassword'])) },
    );
  }

  return (
    <Modal title={`Reset the password of ${user.username}`} onClose={onClose} size="small">
      <form className="modal-form" onSubmit={submit} noValidate>
        <div className="modal-body">
          <FormAlert errors={errors} />
          <p className="muted">The user is logged out everywhere and logs in again with the new password.</p>
          <PasswordFields
            label="New password"
            value={pair}
            onChange={setPair}
            autoFocus
            errors={{ ...pairErrors, password: pairErrors.password ?? errors.fields.newPassword }}
          />
        </div>
        <div className="modal-footer">
          <button className="button" type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="button button-primary" type="submit" disabled={reset.isPending}>
            {reset.isPending ? 'Saving…' : 'Set password'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
