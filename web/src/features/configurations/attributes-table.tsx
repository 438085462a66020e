import { useId } from 'react';

import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { errorMessage } from '../../api-client.ts';
import { EmptyState } from '../../components/page-states.tsx';
import { useAttributeValues } from './configurations-api.ts';
import type { AttributeRow } from './draft.ts';

/** Kinds the server can list values for (connections, workspaces, tables, booleans). */
const listableKinds = new Set(['database', 'file-service', 'map-server', 'workspace', 'table', 'boolean']);

export function AttributesTable({
  configuration,
  rows,
  values,
  problems,
  onChange,
}: {
  configuration: Configuration;
  rows: readonly AttributeRow[];
  /** The draft values, by attribute name. */
  values: Record<string, string>;
  problems: Record<string, string[]>;
  onChange: (name: string, value: string) => void;
}) {
  if (rows.length === 0) {
    return (
      <EmptyState title="No attributes yet.">
        <p className="muted">
          A parameter that reads an attribute (<code>{'${name}'}</code>) adds one here.
        </p>
      </EmptyState>
    );
  }
  const saved = Object.fromEntries(configuration.attributes.map((a) => [a.name, a.value ?? '']));
  return (
    <div className="table-wrap">
      <table className="data-table cfg-attributes-table">
        <thead>
          <tr>
            <th scope="col">Attribute</th>
            <th scope="col">Value</th>
            <th scope="col">Used by</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <AttributeRowView
              key={row.name}
              configuration={configuration}
              row={row}
              value={values[row.name] ?? ''}
              saved={saved}
              draft={values}
              problems={problems[row.name] ?? []}
              onChange={(value) => onChange(row.name, value)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AttributeRowView({
  configuration,
  row,
  value,
  saved,
  draft,
  problems,
  onChange,
}: {
  configuration: Configuration;
  row: AttributeRow;
  value: string;
  saved: Record<string, string>;
  draft: Record<string, string>;
  problems: string[];
  onChange: (value: string) => void;
}) {
  const id = useId();
  const listable = row.kinds.some((kind) => listableKinds.has(kind));
  const isSaved = configuration.attributes.some((a) => a.name === row.name);
  const savedDependency = row.dependsOn.map((name) => saved[name] ?? '').join('|');
  const draftDependency = row.dependsOn.map((name) => draft[name] ?? '').join('|');
  const dependencyUnsaved = row.kinds.includes('table') && savedDependency !== draftDependency;
  const choices = useAttributeValues(
    configuration.id,
    row.name,
    listable && isSaved && !dependencyUnsaved,
    savedDependency,
  );

  let note: string | undefined;
  if (listable && !isSaved) note = 'Save to load the choices.';
  else if (dependencyUnsaved) note = `Save to list the tables of the chosen ${row.dependsOn.join(' / ')}.`;
  else if (choices.isError) note = `Choices not available: ${errorMessage(choices.error)}`;
  else if (row.kinds.includes('table') && choices.data === null) note = `Choose ${row.dependsOn.join(' / ')} first.`;

  const problemId = problems.length > 0 ? `${id}-problem` : undefined;
  const noteId = note ? `${id}-note` : undefined;
  const control = {
    id,
    'aria-describedby': [problemId, noteId].filter(Boolean).join(' ') || undefined,
    'aria-invalid': problems.length > 0 ? (true as const) : undefined,
    'aria-required': row.required ? (true as const) : undefined,
  };
  const list = choices.data;

  return (
    <tr className={problems.length > 0 ? 'cfg-row-invalid' : undefined}>
      <th scope="row" className="cell-name">
        <label htmlFor={id}>{row.name}</label>
        {row.required && (
          <span className="required-mark" aria-hidden="true" title="Required">
            *
          </span>
        )}
        <div className="muted cfg-small">{row.kinds.join(', ')}</div>
      </th>
      <td className="cfg-cell-value">
        <div className={`field${problems.length > 0 ? ' field-invalid' : ''}`}>
          {Array.isArray(list) ? (
            <select {...control} value={value} onChange={(event) => onChange(event.target.value)}>
              <option value="">{row.required ? 'Choose…' : '(not set)'}</option>
              {value !== '' && !list.includes(value) && <option value={value}>{value} (not in the list)</option>}
              {list.map((choice) => (
                <option key={choice} value={choice}>
                  {choice}
                </option>
              ))}
            </select>
          ) : (
            <input
              {...control}
              type="text"
              spellCheck={false}
              autoComplete="off"
              value={value}
              placeholder={choices.isFetching ? 'Loading choices…' : undefined}
              onChange={(event) => onChange(event.target.value)}
            />
          )}
          {problems.length > 0 && (
            <p className="field-error" id={problemId}>
              {problems.join('; ')}
            </p>
          )}
          {note && (
            <p className="field-hint" id={noteId}>
              {note}
            </p>
          )}
        </div>
      </td>
      <td className="muted cfg-small">{row.usedBy.join(', ') || 'no task'}</td>
    </tr>
  );
}
