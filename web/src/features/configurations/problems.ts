import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { referencedAttribute } from './draft.ts';

type Problem = Configuration['problems'][number];

/** Validation problems placed next to what they are about. */
export interface PlacedProblems {
  /** By attribute name: problems of parameters reading it. */
  attributes: Record<string, string[]>;
  /** By task name, then parameter name ('' = the task itself). */
  tasks: Record<string, Record<string, string[]>>;
  /** Problems of batches, or naming nothing the form shows. */
  general: string[];
}

function push<K extends string>(map: Record<K, string[]>, key: K, message: string) {
  (map[key] ??= []).push(message);
}

/**
 * Locations are `tasks.<task>.<parameter>`, `tasks.<task>`, `attributes.<name>` or `batches.<batch>`;
 * task names may hold dots, so they are matched against the saved tasks, longest first.
 */
export function placeProblems(configuration: Configuration): PlacedProblems {
  const placed: PlacedProblems = { attributes: {}, tasks: {}, general: [] };
  const tasks = [...configuration.tasks].sort((a, b) => b.name.length - a.name.length);
  for (const problem of configuration.problems) {
    if (!placeOne(problem, tasks, placed)) placed.general.push(`${problem.location}: ${problem.message}`);
  }
  return placed;
}

function placeOne(problem: Problem, tasks: Configuration['tasks'], placed: PlacedProblems): boolean {
  const { location, message } = problem;
  if (location.startsWith('attributes.')) {
    push(placed.attributes, location.slice('attributes.'.length), message);
    return true;
  }
  for (const task of tasks) {
    const prefix = `tasks.${task.name}`;
    if (location !== prefix && !location.startsWith(`${prefix}.`)) continue;
    const parameter = location.slice(prefix.length + 1);
    push((placed.tasks[task.name] ??= {}), parameter, message);
    const attribute = referencedAttribute(task.parameters[parameter]);
    // A missing parameter that would read an attribute is the attribute's problem to the user.
    if (attribute) push(placed.attributes, attribute, message);
    return true;
  }
  return false;
}
