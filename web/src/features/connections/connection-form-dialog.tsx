import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';

import type { Connection, ConnectionType } from '../../../../src/contracts/connections.dto.ts';
import { CheckboxField, FormField } from '../../components/form-field.tsx';
import { Modal } from '../../components/modal.tsx';
import { connectionKindList, kindLabels, kindPluralTitle } from './connection-kinds.ts';
import { useCreateConnection, useUpdateConnection } from './connections-api.ts';
import { type FormErrors, noFormErrors, toFormErrors } from './form-errors.ts';
import { type RolesInput, inputToRoles, rolesToInput } from './roles-text.ts';
import { SettingsFields } from './settings-fields.tsx';
import { type SettingValues, buildConfig, initialSettingValues, settingFields } from './settings-schema.ts';

/** Adds a connection (no `connection`) or edits one. */
export function ConnectionFormDialog({
  connection,
  types,
  onClose,
}: {
  connection?: Connection;
  types: readonly ConnectionType[];
  onClose: () => void;
}) {
  const editing = connection !== undefined;
  const [typeName, setTypeName] = useState(connection?.type ?? (types.length === 1 ? (types[0]?.type ?? '') : ''));
  const type = types.find((candidate) => candidate.type === typeName);
  // Built-in connections belong to geosync: the server refuses changes to their name and settings.
  const builtin = connection?.builtin === true;
  const settingsType = builtin ? undefined : type;
  const fields = useMemo(
    () => (settingsType ? settingFields(settingsType.configSchema, settingsType.secretFields) : []),
    [settingsType],
  );

  const [name, setName] = useState(connection?.name ?? '');
  const [description, setDescription] = useState(connection?.description ?? '');
  const [roles, setRoles] = useState<RolesInput>(rolesToInput(connection?.roles ?? null));
  const [settings, setSettings] = useState<SettingValues>(() => initialSettingValues(fields, connection?.config));
  const [clearedSecrets, setClearedSecrets] = useState<ReadonlySet<string>>(new Set());
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);

  const formRef = useRef<HTMLFormElement>(null);
  // After a failed save, bring the problem into view: the form scrolls, so it may be off screen.
  useEffect(() => {
    const form = formRef.current;
    if (!form || (errors.general.length === 0 && Object.keys(errors.fields).length === 0)) return;
    const summary = form.querySelector<HTMLElement>('[role="alert"]');
    const firstInvalid = form.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (errors.general.length > 0) summary?.scrollIntoView({ block: 'nearest' });
    firstInvalid?.focus({ preventScroll: errors.general.length > 0 });
  }, [errors]);

  const createMutation = useCreateConnection();
  const updateMutation = useUpdateConnection(connection?.id ?? '');
  const pending = createMutation.isPending || updateMutation.isPending;
  const storedSecrets = connection?.secrets ?? {};

  function chooseType(next: string) {
    setTypeName(next);
    const nextType = types.find((candidate) => candidate.type === next);
    setSettings(nextType ? initialSettingValues(settingFields(nextType.configSchema, nextType.secretFields)) : {});
    setClearedSecrets(new Set());
    setErrors(noFormErrors);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const fieldErrors: Record<string, string> = {};
    if (!editing && !typeName) fieldErrors.type = 'Choose a type';
    if (!name.trim()) fieldErrors.name = 'Required';
    const built = buildConfig(fields, settings, { editing, storedSecrets, clearedSecrets });
    for (const [key, message] of Object.entries(built.errors)) fieldErrors[`config.${key}`] = message;
    if (Object.keys(fieldErrors).length > 0) {
      setErrors({ fields: fieldErrors, general: [] });
      return;
    }
    setErrors(noFormErrors);

    const fieldPaths = [
      'type',
      'name',
      'description',
      'roles',
      'config',
      ...fields.map((field) => `config.${field.key}`),
    ];
    const onError = (error: unknown) => setErrors(toFormErrors(error, fieldPaths));
    const common = { description, roles: inputToRoles(roles) };
    if (connection) {
      updateMutation.mutate(
        {
          ...common,
          ...(builtin ? {} : { name: name.trim() }),
          // Without settings fields shown, the stored settings must stay as they are.
          ...(settingsType ? { config: built.config } : {}),
        },
        { onSuccess: onClose, onError },
      );
    } else {
      createMutation.mutate(
        { ...common, name: name.trim(), type: typeName, config: built.config },
        { onSuccess: onClose, onError },
      );
    }
  }

  const fieldError = (path: string) => errors.fields[path];
  const settingErrors = Object.fromEntries(fields.map((field) => [field.key, fieldError(`config.${field.key}`)]));
  const hasFieldErrors = Object.keys(errors.fields).length > 0;

  return (
    <Modal title={connection ? `Edit connection ${connection.name}` : 'Add connection'} onClose={onClose}>
      <form className="modal-form" ref={formRef} onSubmit={submit} noValidate>
        <div className="modal-body">
          {(errors.general.length > 0 || hasFieldErrors) && (
            <div className="alert alert-error" role="alert">
              {errors.general.length > 0 ? (
                errors.general.map((message) => <p key={message}>{message}</p>)
              ) : (
                <p>Please correct the marked fields.</p>
              )}
            </div>
          )}

          {editing ? (
            <div className="field">
              <span className="field-label">Type</span>
              <p className="static-value">
                {type && `${type.title} `}
                <code>{connection.type}</code> · {kindLabels[connection.kind]}
              </p>
            </div>
          ) : (
            <FormField label="Type" required error={fieldError('type')} hint={type?.description}>
              {(control) => (
                <select {...control} value={typeName} onChange={(event) => chooseType(event.target.value)} autoFocus>
                  <option value="" disabled>
                    Choose a type…
                  </option>
                  {connectionKindList.map((kind) => {
                    const ofKind = types.filter((candidate) => candidate.kind === kind);
                    if (ofKind.length === 0) return null;
                    return (
                      <optgroup key={kind} label={kindPluralTitle(kind)}>
                        {ofKind.map((candidate) => (
                          <option key={candidate.type} value={candidate.type}>
                            {candidate.title} ({candidate.type})
                          </option>
                        ))}
                      </optgroup>
                    );
                  })}
                </select>
              )}
            </FormField>
          )}
          {type && !type.testable && (
            <p className="alert alert-info">This type can be stored but not yet tested or used by geosync.</p>
          )}

          <FormField
            label="Name"
            required={!builtin}
            error={fieldError('name')}
            hint={
              builtin ? 'Built-in connections keep their name.' : 'Starts with a letter; letters, digits, _ . - only.'
            }
          >
            {(control) => (
              <input
                {...control}
                type="text"
                autoComplete="off"
                spellCheck={false}
                maxLength={63}
                value={name}
                readOnly={builtin}
                onChange={(event) => setName(event.target.value)}
                autoFocus={editing && !builtin}
              />
            )}
          </FormField>

          <FormField label="Description" error={fieldError('description')}>
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
            <legend>Who may use it</legend>
            <FormField
              label="Roles"
              error={fieldError('roles')}
              hint={
                roles.adminsOnly
                  ? 'Only administrators may use this connection.'
                  : 'Comma-separated, e.g. editors, gis-team. Leave empty to let everyone use it.'
              }
            >
              {(control) => (
                <input
                  {...control}
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder={roles.adminsOnly ? '' : 'everyone'}
                  disabled={roles.adminsOnly}
                  value={roles.adminsOnly ? '' : roles.text}
                  onChange={(event) => setRoles({ ...roles, text: event.target.value })}
                />
              )}
            </FormField>
            <CheckboxField
              label="Admins only"
              checked={roles.adminsOnly}
              onChange={(adminsOnly) => setRoles({ ...roles, adminsOnly })}
              hint="No role grants access; administrators can always use every connection."
            />
          </fieldset>

          {settingsType ? (
            <fieldset className="fieldset">
              <legend>Settings · {settingsType.title}</legend>
              {fieldError('config') && <p className="field-error">{fieldError('config')}</p>}
              {fields.length === 0 ? (
                <p className="muted">This type has no settings.</p>
              ) : (
                <SettingsFields
                  fields={fields}
                  values={settings}
                  errors={settingErrors}
                  storedSecrets={storedSecrets}
                  clearedSecrets={clearedSecrets}
                  onChange={(key, value) => setSettings((current) => ({ ...current, [key]: value }))}
                  onClearSecret={(key, clear) =>
                    setClearedSecrets((current) => {
                      const next = new Set(current);
                      if (clear) next.add(key);
                      else next.delete(key);
                      return next;
                    })
                  }
                />
              )}
            </fieldset>
          ) : (
            editing && (
              <p className="muted">The settings of this connection are managed by geosync and cannot be edited here.</p>
            )
          )}
        </div>
        <div className="modal-footer">
          <button className="button" type="button" onClick={onClose}>
            Cancel
          </button>
          <button className="button button-primary" type="submit" disabled={pending}>
            {pending ? 'Saving…' : editing ? 'Save changes' : 'Create connection'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
