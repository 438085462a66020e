import { type FormEvent, useEffect, useId, useRef, useState } from 'react';

import { FormField } from '../../components/form-field.tsx';
import { Modal } from '../../components/modal.tsx';
import type { TaskTypeInfo } from './configurations-api.ts';
import { type DraftTask, attributeReference, defaultParameters, newTaskKey, referencedAttribute } from './draft.ts';
import { type ParameterInput, ParameterField } from './parameter-field.tsx';

const attributeName = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function toInputs(parameters: Record<string, string>): Record<string, ParameterInput> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => {
      const attribute = referencedAttribute(value);
      return [name, attribute ? { mode: 'attribute', text: attribute } : { mode: 'value', text: value }];
    }),
  );
}

/** Adds a task (no `task`) or edits one: its type's parameters as a form generated from the schema. */
export function TaskDialog({
  task,
  types,
  otherNames,
  attributeNames,
  onSave,
  onClose,
}: {
  task?: DraftTask;
  types: readonly TaskTypeInfo[];
  /** Names of the other tasks: a name must be unique. */
  otherNames: readonly string[];
  attributeNames: readonly string[];
  onSave: (task: DraftTask) => void;
  onClose: () => void;
}) {
  const [typeName, setTypeName] = useState(task?.type ?? '');
  const type = types.find((t) => t.type === typeName);
  const [name, setName] = useState(task?.name ?? '');
  const [inputs, setInputs] = useState<Record<string, ParameterInput>>(() => toInputs(task?.parameters ?? {}));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const listId = useId();
  const typeRef = useRef<HTMLSelectElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  // After the modal opened (showModal focuses its first button): start where the user types.
  useEffect(() => {
    const timer = setTimeout(() => (task ? nameRef.current : typeRef.current)?.focus());
    return () => clearTimeout(timer);
  }, [task]);

  function chooseType(next: string) {
    setTypeName(next);
    const nextType = types.find((t) => t.type === next);
    setInputs(toInputs(nextType ? defaultParameters(nextType.parameters) : {}));
    setErrors({});
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!type) found.type = 'Choose a type';
    if (!name.trim()) found.name = 'Required';
    else if (otherNames.includes(name.trim())) found.name = 'Another task has this name';
    for (const [parameter, input] of Object.entries(inputs)) {
      if (input.mode === 'attribute' && input.text && !attributeName.test(input.text)) {
        found[`parameter.${parameter}`] = 'An attribute name starts with a letter or _; letters, digits, _ . - only';
      }
    }
    setErrors(found);
    if (Object.keys(found).length > 0 || !type) return;
    const known = new Set(type.parameters.map((p) => p.name));
    const parameters = Object.fromEntries(
      Object.entries(inputs)
        .filter(([parameter, input]) => known.has(parameter) && input.text.trim() !== '')
        .map(([parameter, input]) => [
          parameter,
          input.mode === 'attribute' ? attributeReference(input.text.trim()) : input.text,
        ]),
    );
    onSave({ key: task?.key ?? newTaskKey(), name: name.trim(), type: type.type, parameters });
  }

  const setInput = (parameter: string, input: ParameterInput) =>
    setInputs((current) => ({ ...current, [parameter]: input }));

  return (
    <Modal title={task ? `Edit task ${task.name}` : 'Add task'} onClose={onClose}>
      <form className="modal-form" onSubmit={submit} noValidate>
        <div className="modal-body">
          <FormField label="Type" required error={errors.type} hint={type?.description}>
            {(control) => (
              <select
                {...control}
                value={typeName}
                onChange={(event) => chooseType(event.target.value)}
                disabled={task !== undefined}
                ref={typeRef}
              >
                <option value="" disabled>
                  Choose a task type…
                </option>
                {types.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.title} ({t.type})
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField label="Task name" required error={errors.name} hint="Unique in this configuration.">
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                spellCheck={false}
                maxLength={100}
                value={name}
                ref={nameRef}
                onChange={(event) => setName(event.target.value)}
              />
            )}
          </FormField>
          {type && (
            <fieldset className="fieldset">
              <legend>Parameters · {type.title}</legend>
              {type.parameters.length === 0 && <p className="muted">This task type has no parameters.</p>}
              {type.parameters.map((parameter) => (
                <ParameterField
                  key={parameter.name}
                  parameter={parameter}
                  input={inputs[parameter.name] ?? { mode: 'value', text: '' }}
                  error={errors[`parameter.${parameter.name}`]}
                  listId={listId}
                  onChange={(input) => setInput(parameter.name, input)}
                />
              ))}
              <datalist id={listId}>
                {attributeNames.map((attribute) => (
                  <option key={attribute} value={attribute} />
                ))}
              </datalist>
            </fieldset>
          )}
        </div>
        <div className="modal-footer">
          <button className="button" type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="button button-primary" type="submit">
            {task ? 'Apply' : 'Add task'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
