import { errorMessage } from '../../api-client.ts';
import { type ControlProps, FormField } from '../../components/form-field.tsx';
import { connectionKindOfParameter, useConnectionNames } from './connection-choices.ts';
import type { TaskParameterInfo } from './configurations-api.ts';

export type ParameterMode = 'value' | 'attribute';
export interface ParameterInput {
  mode: ParameterMode;
  text: string;
}

/** One parameter of the task dialog: a fixed value or a reference to an attribute (`${name}`). */
export function ParameterField({
  parameter,
  input,
  error,
  listId,
  onChange,
}: {
  parameter: TaskParameterInfo;
  input: ParameterInput;
  error?: string;
  /** The <datalist> of the configuration's attribute names. */
  listId: string;
  onChange: (input: ParameterInput) => void;
}) {
  const connectionKind = input.mode === 'value' ? connectionKindOfParameter(parameter.kind) : undefined;
  const connections = useConnectionNames(connectionKind);
  const depends = parameter.dependsOn.map((d) => d.name).join(', ');
  // A list that cannot load leaves free text, with the reason.
  const listNote = connections.isError
    ? `The connections could not be listed (${errorMessage(connections.error)}): type a name.`
    : undefined;
  const hint = [parameter.description, `Kind: ${parameter.kind}.`, depends && `Depends on ${depends}.`, listNote]
    .filter(Boolean)
    .join(' ');
  const setText = (text: string) => onChange({ ...input, text });

  function valueControl(control: ControlProps) {
    if (input.mode === 'value' && parameter.kind === 'boolean') {
      return (
        <select {...control} value={input.text} onChange={(event) => setText(event.target.value)}>
          <option value="">(not set)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    }
    if (connectionKind && !connections.isError) {
      const names = connections.data ?? [];
      return (
        <select
          {...control}
          value={input.text}
          disabled={connections.isPending}
          onChange={(event) => setText(event.target.value)}
        >
          <option value="">
            {connections.isPending ? 'Loading connections…' : parameter.required ? 'Choose…' : '(not set)'}
          </option>
          {input.text !== '' && !names.includes(input.text) && (
            <option value={input.text}>{input.text} (not a known connection)</option>
          )}
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      );
    }
    return (
      <div className={input.mode === 'attribute' ? 'cfg-attribute-ref' : undefined}>
        {input.mode === 'attribute' && <span aria-hidden="true">{'${'}</span>}
        <input
          {...control}
          type="text"
          spellCheck={false}
          autoComplete="off"
          list={input.mode === 'attribute' ? listId : undefined}
          placeholder={input.mode === 'attribute' ? 'attribute name' : parameter.required ? '' : '(not set)'}
          value={input.text}
          onChange={(event) => setText(event.target.value)}
        />
        {input.mode === 'attribute' && <span aria-hidden="true">{'}'}</span>}
      </div>
    );
  }

  return (
    <FormField label={parameter.name} required={parameter.required} error={error} hint={hint}>
      {(control) => (
        <div className="cfg-parameter-input">
          <select
            className="cfg-parameter-mode"
            aria-label={`${parameter.name}: value or attribute`}
            value={input.mode}
            onChange={(event) => onChange({ mode: event.target.value as ParameterMode, text: input.text })}
          >
            <option value="value">Value</option>
            <option value="attribute">Attribute</option>
          </select>
          {valueControl(control)}
        </div>
      )}
    </FormField>
  );
}
