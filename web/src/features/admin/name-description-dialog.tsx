import { type FormEvent, useState } from 'react';

import { FormField } from '../../components/form-field.tsx';
import { Modal } from '../../components/modal.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { FormAlert } from './form-alert.tsx';

export interface NameDescription {
  name: string;
  description: string;
}

/** The form of a role or a workspace: a name and a description, saved by `save`. */
export function NameDescriptionDialog({
  title,
  submitLabel,
  nameHint,
  initial = { name: '', description: '' },
  pending,
  save,
  onClose,
}: {
  title: string;
  submitLabel: string;
  nameHint: string;
  initial?: NameDescription;
  pending: boolean;
  save: (value: NameDescription, callbacks: { onSuccess: () => void; onError: (error: unknown) => void }) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!name.trim()) {
      setErrors({ fields: { name: 'Required' }, general: [] });
      return;
    }
    setErrors(noFormErrors);
    save(
      { name: name.trim(), description },
      { onSuccess: onClose, onError: (error) => setErrors(toFormErrors(error, ['name', 'description'])) },
    );
  }

  return (
    <Modal title={title} onClose={onClose}>
      <form className="modal-form" onSubmit={submit} noValidate>
        <div className="modal-body">
          <FormAlert errors={errors} />
          <FormField label="Name" required error={errors.fields.name} hint={nameHint}>
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                spellCheck={false}
                maxLength={63}
                autoFocus
                value={name}
                onChange={(event) => setName(event.target.value)}
              />
            )}
          </FormField>
          <FormField label="Description" error={errors.fields.description}>
            {(control) => (
              <textarea
                {...control}
                rows={3}
                maxLength={2000}
                value={description}
                onChange={(event) => setDescription(event.target.value)}
              />
            )}
          </FormField>
        </div>
        <div className="modal-footer">
          <button className="button" type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="button button-primary" type="submit" disabled={pending}>
            {pending ? 'Saving…' : submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
