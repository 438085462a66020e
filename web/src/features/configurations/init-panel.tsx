import { useEffect } from 'react';

import type { Run } from '../../../../src/contracts/batches.dto.ts';
import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { errorMessage } from '../../api-client.ts';
import { Link } from '../../router.tsx';
import { isRunOpen, useLatestRun, useStartInitialize } from './configurations-api.ts';

/**
 * A configuration from an initializing template waits for its `@Initialize` batch: only that
 * batch's values are asked for; once its run commits, the server validates the rest and the
 * editor opens the full form (the parent re-renders when `initializeBatchId` becomes null).
 */
export function InitPanel({
  configuration,
  runId,
  dirty,
  onStarted,
  onCommitted,
}: {
  configuration: Configuration;
  /** The run a save started (`initializeRunId`); without one, the batch's newest run is shown. */
  runId?: string;
  dirty: boolean;
  onStarted: (runId: string | undefined) => void;
  /** Reloads the configuration: the server leaves init mode just after the run committed. */
  onCommitted: () => void;
}) {
  const batchId = configuration.initializeBatchId ?? '';
  const latest = useLatestRun(batchId, runId);
  const start = useStartInitialize(configuration.id);
  const run = latest.data ?? null;
  const committed = run?.status === 'committed';

  useEffect(() => {
    if (!committed) return;
    onCommitted();
    const timer = setInterval(onCommitted, 1000);
    return () => clearInterval(timer);
  }, [committed, onCommitted]);

  const ready = configuration.problems.length === 0 && !dirty;
  const canStart = ready && latest.isSuccess && !isRunOpen(run) && !committed && !start.isPending;
  // Not started (someone else's run is open, or a value went missing meanwhile): show the newest run.
  const startRun = () => start.mutate(undefined, { onSuccess: (next) => onStarted(next.initializeRunId) });

  return (
    <section className="cfg-card cfg-init-panel" aria-labelledby="init-title">
      <h2 id="init-title">Initialization</h2>
      <p>
        This configuration is prepared by its <code>@Initialize</code> batch before the rest can be filled in. Fill in
        the values below and save: it starts as soon as they are complete.
      </p>
      {latest.isError && (
        <p className="alert alert-error" role="alert">
          {errorMessage(latest.error)}
        </p>
      )}
      {run && <RunProgress run={run} />}
      {start.isError && (
        <p className="alert alert-error" role="alert">
          {errorMessage(start.error)}
        </p>
      )}
      {canStart && (
        <button className="button button-primary" type="button" onClick={startRun}>
          {run ? 'Initialize again' : 'Initialize now'}
        </button>
      )}
    </section>
  );
}

function RunProgress({ run }: { run: Run }) {
  const open = isRunOpen(run);
  return (
    <div className={`cfg-run-progress cfg-run-${run.status}`} role="status" aria-label="Initialization progress">
      <p>
        {open && <span className="spinner spinner-small" aria-hidden="true" />} <strong>{runStatusText(run)}</strong>{' '}
        <Link to={`/runs/${run.id}`}>Run details</Link>
      </p>
      {run.message && <p className="muted">{run.message}</p>}
      <ul className="cfg-run-tasks">
        {run.tasks.map((task) => {
          const progress = task.progress as { done?: number; total?: number; unit?: string } | null;
          return (
            <li key={task.id}>
              <span className={`cfg-status-dot cfg-status-${task.status}`} aria-hidden="true" />
              {task.task}: {task.status}
              {progress && typeof progress.done === 'number' && (
                <>
                  {' '}
                  {typeof progress.total === 'number' && progress.total > 0 ? (
                    <progress value={progress.done} max={progress.total} aria-label={`${task.task} progress`} />
                  ) : null}{' '}
                  <span className="muted">
                    {progress.done}
                    {typeof progress.total === 'number' ? ` / ${progress.total}` : ''} {progress.unit ?? ''}
                  </span>
                </>
              )}
              {task.message && <span className="muted"> — {task.message}</span>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function runStatusText(run: Run): string {
  switch (run.status) {
    case 'queued':
      return 'Waiting to start…';
    case 'running':
      return 'Initializing…';
    case 'committed':
      return 'Initialized. Opening the rest of the form…';
    default:
      return `Initialization ended: ${run.status}.`;
  }
}
