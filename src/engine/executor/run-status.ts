/** Statuses of one task in one batch run. */
export const taskRunStatuses = [
  'pending',
  'running',
  'ready_to_commit',
  'committing',
  'committed',
  'failed',
  'rolling_back',
  'rolled_back',
  'not_committed',
  'not_rolled_back',
  'skipped',
] as const;
export type TaskRunStatus = (typeof taskRunStatuses)[number];

const OPEN: readonly TaskRunStatus[] = ['pending', 'running', 'ready_to_commit', 'committing', 'rolling_back'];
const CLEAN: readonly TaskRunStatus[] = ['committed', 'rolled_back', 'skipped'];

export const isOpen = (status: TaskRunStatus): boolean => OPEN.includes(status);

/**
 * A batch run's status from its task runs: the last task whose status is not a clean end tells
 * the story (a failure, a task still running, a commit that failed); when every task ended
 * cleanly, the first task's status does (committed, or rolled back after an interruption).
 */
export function deriveBatchRunStatus(statuses: readonly TaskRunStatus[]): TaskRunStatus | 'empty' {
  for (let i = statuses.length - 1; i >= 0; i--) {
    if (!CLEAN.includes(statuses[i]!)) return statuses[i]!;
  }
  const first = statuses.find((s) => s !== 'skipped');
  return first ?? (statuses.length > 0 ? 'skipped' : 'empty');
}
