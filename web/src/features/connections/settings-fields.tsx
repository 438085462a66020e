import { CheckboxField, FormField } from '../../components/form-field.tsx';
import type { SettingField, SettingValues } from './settings-schema.ts';

/** The settings of one connection type, as form inputs generated from its JSON Schema. */
export function SettingsFields({
  fields,
  values,
  errors,
  storedSecrets,
  clearedSecrets,
  onChange,
  onClearSecret,
}: {
  fields: readonly SettingField[];
  values: SettingValues;
  /** By setting key. */
  errors: Record<string, string | undefined>;
  /** Secrets the stored connection has set; empty when creating. */
  storedSecrets: Record<string, boolean>;
  clearedSecrets: ReadonlySet<string>;
  onChange: (key: string, value: string | boolean) => void;
  onClearSecret: (key: string, clear: boolean) => void;
}) {
  return (
    <>
      {fields.map((field) => {
        const value = values[field.key];
        const error = errors[field.key];
        if (field.control === 'checkbox') {
          return (
            <CheckboxField
              key={field.key}
              label={field.label}
              checked={value === true}
              onChange={(checked) => onChange(field.key, checked)}
              hint={field.description}
              error={error}
            />
          );
        }
        const text = typeof value === 'string' ? value : '';
        if (field.secret) {
          const isSet = storedSecrets[field.key] === true;
          const cleared = clearedSecrets.has(field.key);
          return (
            <div key={field.key} className="secret-field">
              <FormField
                label={field.label}
                required={field.required && !isSet}
                error={error}
                hint={cleared ? 'Will be cleared on save.' : field.description}
              >
                {(control) => {
                  const secretProps = {
                    ...control,
                    placeholder: isSet ? (cleared ? 'cleared' : 'set — leave empty to keep') : undefined,
                    disabled: cleared,
                    value: text,
                    spellCheck: false,
                  };
                  return field.control === 'multiline' ? (
                    <textarea
                      {...secretProps}
                      className="code-input secret-text"
                      rows={4}
                      onChange={(event) => onChange(field.key, event.target.value)}
                    />
                  ) : (
                    <input
                      {...secretProps}
                      type="password"
                      autoComplete="new-password"
                      onChange={(event) => onChange(field.key, event.target.value)}
                    />
                  );
                }}
              </FormField>
              {isSet && !field.required && (
                <CheckboxField
                  label={`Clear stored ${field.label.toLowerCase()}`}
                  checked={cleared}
                  onChange={(clear) => onClearSecret(field.key, clear)}
                />
              )}
            </div>
          );
        }
        return (
          <FormField key={field.key} label={field.label} required={field.required} error={error} hint={hintFor(field)}>
            {(control) => {
              switch (field.control) {
                case 'select':
                  return (
                    <select {...control} value={text} onChange={(event) => onChange(field.key, event.target.value)}>
                      {(!field.required || text === '') && (
                        <option value="">{field.required ? 'Choose…' : '(not set)'}</option>
                      )}
                      {field.options.map((option) => (
                        <option key={String(option)} value={String(option)}>
                          {String(option)}
                        </option>
                      ))}
                    </select>
                  );
                case 'number':
                case 'integer':
                  return (
                    <input
                      {...control}
                      type="number"
                      inputMode={field.control === 'integer' ? 'numeric' : 'decimal'}
                      step={field.control === 'integer' ? 1 : 'any'}
                      min={field.minimum}
                      max={field.maximum}
                      value={text}
                      onChange={(event) => onChange(field.key, event.target.value)}
                    />
                  );
                case 'multiline':
                case 'list':
                  return (
                    <textarea
                      {...control}
                      className={field.control === 'multiline' ? 'code-input' : undefined}
                      rows={field.control === 'multiline' ? 4 : 3}
                      spellCheck={false}
                      value={text}
                      onChange={(event) => onChange(field.key, event.target.value)}
                    />
                  );
                case 'json':
                  return (
                    <textarea
                      {...control}
                      className="code-input"
                      rows={4}
                      spellCheck={false}
                      value={text}
                      onChange={(event) => onChange(field.key, event.target.value)}
                    />
                  );
                default:
                  return (
                    <input
                      {...control}
                      type="text"
                      spellCheck={false}
                      value={text}
                      onChange={(event) => onChange(field.key, event.target.value)}
                    />
                  );
              }
            }}
          </FormField>
        );
      })}
    </>
  );
}

function hintFor(field: SettingField): string | undefined {
  const description = field.description?.trim();
  const parts = [description && !/[.!?]$/.test(description) ? `${description}.` : description];
  if (field.control === 'list') parts.push('One per line.');
  if (field.control === 'json') parts.push('JSON value.');
  if (!field.required && field.defaultValue !== undefined && field.defaultValue !== '') {
    parts.push(
      `Default: ${typeof field.defaultValue === 'string' ? field.defaultValue : JSON.stringify(field.defaultValue)}.`,
    );
  }
  return parts.filter(Boolean).join(' ') || undefined;
}
