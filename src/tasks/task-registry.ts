import { UnexpectedError, UserError } from '../errors/errors.ts';
import { listParameters, type ParameterSpec } from './parameter.ts';
import type { TaskType } from './task-type.ts';

export interface TaskTypeRegistry {
  /** Throws `unknown_task_type` (400) naming the known types. */
  get(type: string): TaskType;
  has(type: string): boolean;
  list(): TaskType[];
  parametersOf(type: string): ParameterSpec[];
}

export function createTaskTypeRegistry(types: readonly TaskType[]): TaskTypeRegistry {
  const byType = new Map<string, TaskType>();
  for (const taskType of types) {
    if (byType.has(taskType.type)) {
      throw new UnexpectedError('duplicate_task_type', `Task type '${taskType.type}' is registered twice`);
    }
    byType.set(taskType.type, taskType);
  }
  const parameters = new Map([...byType].map(([type, t]) => [type, listParameters(t.parameters)]));
  return {
    get(type) {
      const found = byType.get(type);
      if (!found) {
        throw new UserError(
          'unknown_task_type',
          `Unknown task type '${type}'; known: ${[...byType.keys()].join(', ')}`,
        );
      }
      return found;
    },
    has: (type) => byType.has(type),
    list: () => [...byType.values()],
    parametersOf: (type) => parameters.get(type) ?? [],
  };
}
