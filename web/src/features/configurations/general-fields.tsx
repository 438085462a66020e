import { FormField } from '../../components/form-field.tsx';

/** Name, workspace (fixed once created) and description of a template or configuration. */
export function GeneralFields({
  name,
  description,
  workspace,
  errors,
  onChange,
}: {
  name: string;
  description: string;
  workspace: string;
  errors: Record<string, string | undefined>;
  onChange: (field: 'name' | 'description', value: string) => void;
}) {
  return (
    <div className="cfg-card cfg-general-fields">
      <FormField label="Name" required error={errors.name}>
        {(control) => (
          <input
            {...control}
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={63}
            value={name}
            onChange={(event) => onChange('name', event.target.value)}
          />
        )}
      </FormField>
      <div className="field">
        <span className="field-label">Workspace</span>
        <p className="static-value">{workspace}</p>
      </div>
      <FormField label="Description" error={errors.description}>
        {(control) => (
          <textarea
            {...control}
            rows={2}
            maxLength={2000}
            value={description}
            onChange={(event) => onChange('description', event.target.value)}
          />
        )}
      </FormField>
    </div>
  );
}
