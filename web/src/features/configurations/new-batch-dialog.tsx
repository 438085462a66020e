import { type FormEvent, useEffect, useRef, useState } from 'react';

import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { ApiError } from '../../api-client.ts';
import { CheckboxField, FormField } from '../../components/form-field.tsx';
import { Modal } from '../../components/modal.tsx';
import { navigate } from '../../router.tsx';
import { EnabledSwitch } from '../batches/enabled-switch.tsx';
import { type FormErrors, noFormErrors, toFormErrors } from '../connections/form-errors.ts';
import { useCreateBatch } from './configurations-api.ts';

const maxNameLength = 100;

/** Field paths the dialog shows, for placing the API's `errors[]` next to them. */
const fieldPaths = ['name', 'description', 'enabled', 'tasks'];

/**
 * Creates a batch of the configuration (or template: its `@Initialize` is made the same way) from
 * its saved tasks, kept in the configuration's order; the batch's page then edits order and schedule.
 */
export function NewBatchDialog({
  configuration,
  dirty,
  onClose,
}: {
  configuration: Configuration;
  /** The editor has unsaved changes: its new tasks cannot be chosen, and opening the batch would lose them. */
  dirty: boolean;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [enabled, setEnabled] = useState(true);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(() => new Set(configuration.tasks.map((t) => t.id)));
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const create = useCreateBatch(configuration.id);
  const nameRef = useRef<HTMLInputElement>(null);
  // After the modal opened (showModal focuses its first button): start where the user types.
  useEffect(() => {
    const timer = setTimeout(() => nameRef.current?.focus());
    return () => clearTimeout(timer);
  }, []);

  function toggle(taskId: string, on: boolean) {
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(taskId);
      else next.delete(taskId);
      return next;
    });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = name.trim();
    let nameError: string | undefined;
    if (!trimmed) nameError = 'Required';
    else if (trimmed.length > maxNameLength) nameError = `At most ${maxNameLength} characters`;
    else if (configuration.batches.some((batch) => batch.name === trimmed)) {
      nameError = `This ${configuration.template ? 'template' : 'configuration'} has a batch named ${trimmed}`;
    }
    if (nameError) {
      setErrors({ fields: { name: nameError }, general: [] });
      return;
    }
    setErrors(noFormErrors);
    const input = {
      workspace: configuration.workspace,
      configuration: configuration.id,
      name: trimmed,
      description,
      enabled,
      tasks: configuration.tasks.filter((task) => chosen.has(task.id)).map((task) => task.id),
    };
    create.mutate(input, {
      onSuccess: (batch) => navigate(`/batches/${encodeURIComponent(batch.id)}`),
      onError: (error) => setErrors(batchErrors(error)),
    });
  }

  const owner = configuration.template ? 'template' : 'configuration';
  return (
    <Modal title="New batch" onClose={onClose}>
      <form className="modal-form" onSubmit={submit} noValidate>
        <div className="modal-body">
          {dirty && (
            <p className="alert cfg-alert-warn">
              The {owner} has unsaved changes. Save them first: a batch runs saved tasks only, and creating it opens its
              page.
            </p>
          )}
          {errors.general.length > 0 && (
            <div className="alert alert-error" role="alert">
              {errors.general.map((message) => (
                <p key={message}>{message}</p>
              ))}
            </div>
          )}
          <FormField
            label="Name"
            required
            error={errors.fields.name}
            hint={
              configuration.template ? (
                <>
                  Unique in this template. A batch named <code>@Initialize</code> runs first in each configuration made
                  from it, before the rest of its form is asked for.
                </>
              ) : (
                'Unique in this configuration.'
              )
            }
          >
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                spellCheck={false}
                maxLength={maxNameLength}
                value={name}
                ref={nameRef}
                onChange={(event) => setName(event.target.value)}
              />
            )}
          </FormField>
          <FormField label="Description" error={errors.fields.description}>
            {(control) => (
              <textarea
                {...control}
                rows={2}
                maxLength={2000}
                value={description}
                onChange={(event) => setDescription(event.target.value)}
              />
            )}
          </FormField>
          <fieldset className="fieldset">
            <legend>Tasks</legend>
            {errors.fields.tasks && <p className="field-error">{errors.fields.tasks}</p>}
            {configuration.tasks.length === 0 ? (
              <p className="muted">No saved tasks yet: the batch starts empty; add tasks on its page.</p>
            ) : (
              <>
                <p className="field-hint">They run in the {owner}&apos;s order; change it on the batch&apos;s page.</p>
                {configuration.tasks.map((task) => (
                  <CheckboxField
                    key={task.id}
                    label={task.name}
                    hint={task.type}
                    checked={chosen.has(task.id)}
                    onChange={(on) => toggle(task.id, on)}
                  />
                ))}
              </>
            )}
          </fieldset>
          <EnabledSwitch checked={enabled} onChange={setEnabled} error={errors.fields.enabled} />
        </div>
        <div className="modal-footer">
          <button className="button" type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="button button-primary" type="submit" disabled={dirty || create.isPending}>
            {create.isPending ? 'Creating…' : 'Create batch'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** A taken name answers 409 without field details: it still belongs next to the name. */
function batchErrors(error: unknown): FormErrors {
  if (error instanceof ApiError && error.code === 'batch_exists') {
    return { fields: { name: error.detail }, general: [] };
  }
  return toFormErrors(error, fieldPaths);
}
