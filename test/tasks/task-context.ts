/**
 * A TaskRunContext for calling a task type directly (unit of work below the engine): staged
 * objects are kept in memory, progress and log lines are recorded for assertions.
 */
import { randomUUID } from 'node:crypto';

import type { StagedObject, TaskConnections, TaskRunContext } from '../../src/tasks/task-type.ts';

export interface RecordingContext extends TaskRunContext {
  staged: StagedObject[];
  logs: string[];
  progressReports: Array<{ done: number; total?: number; unit?: string }>;
}

export function taskContext(
  connections: TaskConnections,
  options: {
    signal?: AbortSignal;
    attributes?: Record<string, string>;
    earlier?: StagedObject[];
    workDir?: string;
  } = {},
): RecordingContext {
  const staged: StagedObject[] = [];
  const logs: string[] = [];
  const progressReports: RecordingContext['progressReports'] = [];
  const all = () => [...(options.earlier ?? []), ...staged];
  return {
    signal: options.signal ?? new AbortController().signal,
    services: { workDir: options.workDir ?? '/nonexistent', connections },
    log: (level, message) => logs.push(`${level}: ${message}`),
    stage(object) {
      const recorded = { ...object, id: randomUUID() };
      staged.push(recorded);
      return Promise.resolve(recorded);
    },
    findStaged: (kind, name) => all().find((o) => o.kind === kind && o.name === name),
    progress: (done, total, unit) => progressReports.push({ done, total, unit }),
    runId: randomUUID(),
    taskName: 'task',
    attributes: options.attributes ?? {},
    staged,
    logs,
    progressReports,
  };
}
