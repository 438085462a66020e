import type { TaskType } from './task-type.ts';

/**
 * Every task type geosync ships. Data, file and publication task types arrive with their issues;
 * the engine's own tests register test-only types (test/tasks/).
 */
export const builtinTaskTypes: readonly TaskType[] = [];
