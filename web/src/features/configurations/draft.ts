import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import type { ConfigurationChange, TaskParameterInfo, TaskTypeInfo } from './configurations-api.ts';

/** A task as the editor holds it; `key` stays the same while its name is edited. */
export interface DraftTask {
  key: string;
  name: string;
  type: string;
  parameters: Record<string, string>;
}

/** The unsaved state of the editor form. */
export interface Draft {
  name: string;
  description: string;
  attributes: Record<string, string>;
  tasks: DraftTask[];
}

export function draftOf(configuration: Configuration): Draft {
  return {
    name: configuration.name,
    description: configuration.description,
    attributes: Object.fromEntries(configuration.attributes.map((a) => [a.name, a.value ?? ''])),
    tasks: configuration.tasks.map((t) => ({ key: t.id, name: t.name, type: t.type, parameters: { ...t.parameters } })),
  };
}

/** The PATCH body: empty attribute values are left out (the server treats them as unset). */
export function changeOf(draft: Draft): Required<ConfigurationChange> {
  return {
    name: draft.name.trim(),
    description: draft.description,
    attributes: Object.fromEntries(Object.entries(draft.attributes).filter(([, value]) => value !== '')),
    tasks: draft.tasks.map(({ name, type, parameters }) => ({ name: name.trim(), type, parameters })),
  };
}

export function isDirty(draft: Draft, configuration: Configuration): boolean {
  return JSON.stringify(changeOf(draft)) !== JSON.stringify(changeOf(draftOf(configuration)));
}

/** A parameter value that is exactly `${name}` reads attribute `name` (the server's rule). */
const reference = /^\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/;

export function referencedAttribute(value: string | undefined): string | undefined {
  return value === undefined ? undefined : reference.exec(value)?.[1];
}

export const attributeReference = (name: string) => `\${${name}}`;

export interface AttributeRow {
  name: string;
  required: boolean;
  kinds: string[];
  /** `task.parameter` pairs reading it. */
  usedBy: string[];
  /** Attributes its parameters depend on (a table list needs the chosen database). */
  dependsOn: string[];
}

/**
 * The attribute table follows the tasks being edited, before they are saved (the server derives
 * the same table from saved tasks): every `${name}` a parameter reads, plus attributes with a value.
 */
export function deriveAttributes(draft: Draft, types: ReadonlyMap<string, TaskTypeInfo>): AttributeRow[] {
  const rows = new Map<string, AttributeRow>();
  const row = (name: string) => {
    let found = rows.get(name);
    if (!found) {
      found = { name, required: false, kinds: [], usedBy: [], dependsOn: [] };
      rows.set(name, found);
    }
    return found;
  };
  for (const task of draft.tasks) {
    const specs = new Map((types.get(task.type)?.parameters ?? []).map((p) => [p.name, p]));
    for (const [parameter, value] of Object.entries(task.parameters)) {
      const attribute = referencedAttribute(value);
      const spec = specs.get(parameter);
      if (!attribute || !spec) continue;
      const target = row(attribute);
      target.required ||= spec.required;
      if (!target.kinds.includes(spec.kind)) target.kinds.push(spec.kind);
      target.usedBy.push(`${task.name}.${parameter}`);
      for (const dependency of spec.dependsOn) {
        const on = referencedAttribute(task.parameters[dependency.name]);
        if (on && !target.dependsOn.includes(on)) target.dependsOn.push(on);
      }
    }
  }
  for (const [name, value] of Object.entries(draft.attributes)) if (value !== '') row(name);
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** New tasks read an attribute named like each required parameter, so tasks share values by default. */
export function defaultParameters(parameters: readonly TaskParameterInfo[]): Record<string, string> {
  return Object.fromEntries(parameters.filter((p) => p.required).map((p) => [p.name, attributeReference(p.name)]));
}

export function newTaskKey(): string {
  return `new-${Math.random().toString(36).slice(2)}`;
}
