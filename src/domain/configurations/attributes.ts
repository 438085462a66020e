import type { PublisherCapability } from '../../connectors/connector.ts';
import type { ParameterKind, ParameterSpec } from '../../tasks/parameter.ts';

/** A parameter value that is exactly `${name}` reads attribute `name`; anything else is a literal. */
const REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}$/;

export function referencedAttribute(value: string): string | undefined {
  return REFERENCE.exec(value)?.[1];
}

export interface TaskParameters {
  name: string;
  type: string;
  parameters: Record<string, string>;
}

/** One attribute as the editor shows it: derived from the parameters that read it. */
export interface DerivedAttribute {
  name: string;
  value: string | undefined;
  /** Required when any parameter reading it is required. */
  required: boolean;
  /** The parameter kinds reading it (a drop-down of databases, tables...). */
  kinds: ParameterKind[];
  /** `task.parameter` pairs that read it. */
  usedBy: string[];
  /** Attributes the parameters reading it depend on (a table list depends on the chosen database). */
  dependsOn: string[];
}

/**
 * Derives the attribute table of a configuration from its tasks. Attributes with a value that no
 * parameter reads are kept (a user may still need them); the editor may drop empty ones.
 */
export function deriveAttributes(
  tasks: readonly TaskParameters[],
  parametersOf: (type: string) => readonly ParameterSpec[],
  values: Readonly<Record<string, string>>,
): DerivedAttribute[] {
  const byName = new Map<string, DerivedAttribute>();
  const entry = (name: string): DerivedAttribute => {
    let found = byName.get(name);
    if (!found) {
      found = { name, value: values[name], required: false, kinds: [], usedBy: [], dependsOn: [] };
      byName.set(name, found);
    }
    return found;
  };
  for (const task of tasks) {
    const specs = new Map(parametersOf(task.type).map((p) => [p.name, p]));
    for (const [parameter, value] of Object.entries(task.parameters)) {
      const attribute = referencedAttribute(value);
      const spec = specs.get(parameter);
      if (!attribute || !spec) continue;
      const target = entry(attribute);
      target.required ||= spec.required;
      if (!target.kinds.includes(spec.kind)) target.kinds.push(spec.kind);
      target.usedBy.push(`${task.name}.${parameter}`);
      for (const dependency of spec.dependsOn ?? []) {
        const dependsOnAttribute = referencedAttribute(task.parameters[dependency.name] ?? '');
        if (dependsOnAttribute && !target.dependsOn.includes(dependsOnAttribute)) {
          target.dependsOn.push(dependsOnAttribute);
        }
      }
    }
  }
  for (const [name, value] of Object.entries(values)) if (value !== '') entry(name);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The raw (text) parameter values a task runs with: references replaced by attribute values. */
export function resolveParameters(
  parameters: Readonly<Record<string, string>>,
  attributes: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => {
      const attribute = referencedAttribute(value);
      const resolved = attribute === undefined ? value : attributes[attribute];
      return [name, resolved === '' ? undefined : resolved];
    }),
  );
}

/** Parameters of a new task default to `${parameterName}`, so tasks sharing a name share an attribute. */
export function defaultParameters(specs: readonly ParameterSpec[]): Record<string, string> {
  return Object.fromEntries(specs.map((p) => [p.name, `\${${p.name}}`]));
}

/**
 * What the map servers offered for attribute `name` must be able to do: the union of the needs of
 * the map-server parameters reading it (security rules, a tile cache...).
 */
export function capabilitiesNeededBy(
  tasks: readonly TaskParameters[],
  parametersOf: (type: string) => readonly ParameterSpec[],
  name: string,
): PublisherCapability[] {
  const needs = new Set<PublisherCapability>();
  for (const task of tasks) {
    for (const spec of parametersOf(task.type)) {
      const value = task.parameters[spec.name];
      if (spec.kind !== 'map-server' || value === undefined || referencedAttribute(value) !== name) continue;
      for (const need of spec.needs ?? []) needs.add(need);
    }
  }
  return [...needs].sort();
}
