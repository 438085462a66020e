/**
 * How run and task statuses look: every status has a text label and a symbol besides its colour,
 * so it reads the same without colour. Unknown statuses (a newer server) show as they are.
 */
export type StatusTone = 'neutral' | 'active' | 'ok' | 'warning' | 'danger';

interface StatusLook {
  label: string;
  tone: StatusTone;
  symbol: string;
  /** What it means, for a tooltip. */
  hint: string;
}

const looks: Record<string, StatusLook> = {
  queued: { label: 'Queued', tone: 'neutral', symbol: '◷', hint: 'Waiting to start' },
  pending: { label: 'Pending', tone: 'neutral', symbol: '○', hint: 'Waiting for the tasks before it' },
  running: { label: 'Running', tone: 'active', symbol: '▶', hint: 'Working now' },
  ready_to_commit: { label: 'Ready to commit', tone: 'active', symbol: '◑', hint: 'Done; commits when all tasks are' },
  committing: { label: 'Committing', tone: 'active', symbol: '▶', hint: 'Making its changes final' },
  committed: { label: 'Committed', tone: 'ok', symbol: '✓', hint: 'Finished; its changes are final' },
  failed: { label: 'Failed', tone: 'danger', symbol: '✕', hint: 'Failed; what it staged was rolled back' },
  rolling_back: { label: 'Rolling back', tone: 'warning', symbol: '↺', hint: 'Undoing what it staged' },
  rolled_back: { label: 'Rolled back', tone: 'warning', symbol: '↺', hint: 'Its changes were undone' },
  not_committed: { label: 'Not committed', tone: 'danger', symbol: '!', hint: 'Its commit failed' },
  not_rolled_back: { label: 'Not rolled back', tone: 'danger', symbol: '!', hint: 'Undoing its changes failed' },
  skipped: { label: 'Skipped', tone: 'neutral', symbol: '–', hint: 'Not run: an earlier task stopped the run' },
  empty: { label: 'Empty', tone: 'neutral', symbol: '–', hint: 'The batch had no tasks' },
};

export function statusLook(status: string): StatusLook {
  return looks[status] ?? { label: status.replace(/_/g, ' '), tone: 'neutral', symbol: '•', hint: status };
}

/** Statuses a batch run can have, for the history filter. */
export const runStatuses = [
  'queued',
  'running',
  'committed',
  'failed',
  'rolled_back',
  'not_committed',
  'not_rolled_back',
  'skipped',
  'empty',
] as const;

export function isOpenRun(status: string): boolean {
  return status === 'queued' || status === 'running';
}
