import type { ParameterSpec } from '../../tasks/parameter.ts';
import type { TaskTypeRegistry } from '../../tasks/task-registry.ts';
import { resolveParameters, type TaskParameters } from './attributes.ts';
import {
  mapServerUses,
  type MapServerLookup,
  missingCapabilities,
  missingCapabilityMessage,
} from './map-server-capabilities.ts';

export type ValidationCode =
  | 'missing'
  | 'unknown_parameter'
  | 'missing_dependency'
  | 'invalid_value'
  | 'unknown_task_type'
  | 'empty_batch'
  | 'unknown_task'
  | 'missing_capability';

/** One problem, located: `tasks.<task>.<parameter>`, `attributes.<name>` or `batches.<batch>`. */
export interface ValidationProblem {
  code: ValidationCode;
  location: string;
  message: string;
}

export interface ConfigurationToValidate {
  template: boolean;
  attributes: Readonly<Record<string, string>>;
  tasks: readonly TaskParameters[];
  batches?: readonly { name: string; tasks: readonly string[] }[];
}

/**
 * Checks every task's parameters after attribute resolution. Templates may leave required values
 * empty (they are filled per configuration). Existence of tables or files is checked at run time,
 * not here: they may be created by an earlier task of the same batch. With `mapServers`, a map
 * server that cannot do what a parameter needs (security rules on MapServer) is a problem too.
 */
export function validateConfiguration(
  config: ConfigurationToValidate,
  registry: TaskTypeRegistry,
  mapServers?: MapServerLookup,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const task of config.tasks) {
    if (!registry.has(task.type)) {
      problems.push({
        code: 'unknown_task_type',
        location: `tasks.${task.name}`,
        message: `Unknown task type '${task.type}'`,
      });
      continue;
    }
    problems.push(...validateTask(task, registry.parametersOf(task.type), registry, config));
    if (mapServers) problems.push(...capabilityProblems(task, registry.parametersOf(task.type), config, mapServers));
  }
  const taskNames = new Set(config.tasks.map((t) => t.name));
  for (const batch of config.batches ?? []) {
    for (const name of batch.tasks) {
      if (!taskNames.has(name)) {
        problems.push({
          code: 'unknown_task',
          location: `batches.${batch.name}`,
          message: `Batch '${batch.name}' names unknown task '${name}'`,
        });
      }
    }
  }
  return problems;
}

function validateTask(
  task: TaskParameters,
  specs: readonly ParameterSpec[],
  registry: TaskTypeRegistry,
  config: ConfigurationToValidate,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const at = (parameter: string) => `tasks.${task.name}.${parameter}`;
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(task.parameters)) {
    if (!known.has(name)) {
      problems.push({
        code: 'unknown_parameter',
        location: at(name),
        message: `Task type ${task.type} has no parameter '${name}'`,
      });
    }
  }
  const values = resolveParameters(task.parameters, config.attributes);
  for (const spec of specs) {
    const value = values[spec.name];
    if (value === undefined) {
      if (spec.required && !config.template) {
        problems.push({ code: 'missing', location: at(spec.name), message: `${spec.name} is required` });
      }
      continue;
    }
    for (const dependency of spec.dependsOn ?? []) {
      if (dependency.enforced && values[dependency.name] === undefined && !config.template) {
        problems.push({
          code: 'missing_dependency',
          location: at(spec.name),
          message: `${spec.name} needs ${dependency.name} first`,
        });
      }
    }
  }
  if (!config.template || problems.length === 0) {
    const present = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== undefined && known.has(k)));
    const parsed = registry.get(task.type).parameters.partial().safeParse(present);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const name = String(issue.path[0] ?? '');
        problems.push({ code: 'invalid_value', location: at(name), message: `${name}: ${issue.message}` });
      }
    }
  }
  return problems;
}

/** The map-server names the capability checks of `config` will ask `MapServerLookup` about. */
export function mapServersToLookUp(
  config: ConfigurationToValidate,
  registry: TaskTypeRegistry,
  local: string,
): Set<string> {
  return new Set(
    config.tasks
      .filter((task) => registry.has(task.type))
      .flatMap((task) =>
        mapServerUses(registry.parametersOf(task.type), resolveParameters(task.parameters, config.attributes), local),
      )
      .map((use) => use.name),
  );
}

/** A missing capability is reported at the parameter naming the server (or standing for the local one). */
function capabilityProblems(
  task: TaskParameters,
  specs: readonly ParameterSpec[],
  config: ConfigurationToValidate,
  mapServers: MapServerLookup,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const values = resolveParameters(task.parameters, config.attributes);
  for (const use of mapServerUses(specs, values, mapServers.local)) {
    for (const capability of missingCapabilities(use.needs, mapServers.capabilities(use.name))) {
      const location = `tasks.${task.name}.${use.parameter}`;
      const message = missingCapabilityMessage(capability, use.name, use.local);
      if (problems.some((p) => p.location === location && p.message === message)) continue;
      problems.push({ code: 'missing_capability', location, message });
    }
  }
  return problems;
}
