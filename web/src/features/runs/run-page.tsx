import { useEffect, useState } from 'react';

import { ApiError } from '../../api-client.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link } from '../../router.tsx';
import { useBatch, useWorkspaceAllows } from '../batches/batches-api.ts';
import { RunLog } from './run-log.tsx';
import { formatDateTime, formatDuration, triggerLabels } from './run-format.ts';
import { isOpenRun } from './run-status.ts';
import { RunTasks } from './run-tasks.tsx';
import { logPageSize, useInterruptRun, useRun, useRunLog } from './runs-api.ts';
import { StatusBadge } from './status-badge.tsx';
import { type LiveState, useRunEvents } from './use-run-events.ts';
import './runs.css';

const liveLabels: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Ended',
  failed: 'Live updates stopped',
};

/** One run, followed live while it is queued or running. */
export function RunPage({ id }: { id: string }) {
  const run = useRun(id);
  const open = run.data ? isOpenRun(run.data.status) : false;
  const live = useRunEvents(id, open);
  const storedLog = useRunLog(id, run.isSuccess && !live.following);
  const batch = useBatch(run.data?.batchId);
  const canRun = useWorkspaceAllows(batch.data?.workspace, 'write');
  const interrupt = useInterruptRun(id);
  const [confirming, setConfirming] = useState(false);
  const now = useNow(open);

  if (run.isPending) return <LoadingState label="Loading the run…" />;
  if (run.isError) {
    const gone = run.error instanceof ApiError && run.error.status === 404;
    return (
      <section className="page-section">
        <BackLink />
        <ErrorState error={run.error} onRetry={gone ? undefined : () => void run.refetch()} />
      </section>
    );
  }

  const current = run.data;
  const canInterrupt = open && canRun && !current.interruptRequested;
  return (
    <section className="page-section" aria-labelledby="run-title">
      <BackLink />
      <div className="page-header">
        <div>
          <h1 id="run-title">
            Run of <span className="run-batch-name">{current.batch}</span>
          </h1>
          <p className="muted">
            {batch.data ? (
              <Link className="run-batch-link" to={`/batches/${current.batchId}`}>
                Batch {batch.data.workspace} / {current.batch}
              </Link>
            ) : (
              `Batch ${current.batch}`
            )}
          </p>
        </div>
        {canInterrupt && (
          <button className="button button-danger-outline" type="button" onClick={() => setConfirming(true)}>
            Interrupt
          </button>
        )}
      </div>

      <div className="run-summary" aria-live="polite">
        <div className="run-summary-status">
          <span className="visually-hidden">Status: </span>
          <StatusBadge status={current.status} large />
          {live.following && (
            <span className={`live-indicator live-${live.state}`} role="status">
              {liveLabels[live.state]}
            </span>
          )}
          {current.interruptRequested && open && <span className="muted">Interrupt requested; stopping…</span>}
        </div>
        {current.message && <p className="run-message">{current.message}</p>}
      </div>
      {live.state === 'failed' && open && (
        <div className="alert alert-error page-state-error" role="alert">
          <span>Live updates stopped: the server closed the stream. The page may be out of date.</span>
          <button className="button button-small" type="button" onClick={live.retry}>
            Reconnect
          </button>
        </div>
      )}
      {interrupt.isError && !confirming && <ErrorState error={interrupt.error} />}

      <dl className="run-facts">
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(current.startedAt)}</dd>
        </div>
        <div>
          <dt>Ended</dt>
          <dd>{current.endedAt ? formatDateTime(current.endedAt) : <span className="muted">not yet</span>}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(current.startedAt, current.endedAt, now)}</dd>
        </div>
        <div>
          <dt>Trigger</dt>
          <dd>{triggerLabels[current.trigger] ?? current.trigger}</dd>
        </div>
        <div>
          <dt>Started by</dt>
          <dd>{current.startedBy ?? <span className="muted">the scheduler</span>}</dd>
        </div>
      </dl>

      <h2 className="section-title">Tasks</h2>
      <RunTasks run={current} now={now} />

      <h2 className="section-title">Log</h2>
      {live.following ? (
        live.lines === null ? (
          <LoadingState label="Loading the log…" />
        ) : (
          <RunLog run={current} lines={live.lines} />
        )
      ) : storedLog.isPending ? (
        <LoadingState label="Loading the log…" />
      ) : storedLog.isLoadingError ? (
        <ErrorState error={storedLog.error} onRetry={() => void storedLog.refetch()} />
      ) : (
        <>
          <RunLog run={current} lines={storedLog.data} />
          {storedLog.isFetchNextPageError && (
            <ErrorState error={storedLog.error} onRetry={() => void storedLog.fetchNextPage()} />
          )}
          {storedLog.hasNextPage && (
            <div className="run-log-more">
              <span className="muted">{storedLog.data.length} lines shown.</span>
              <button
                className="button button-small"
                type="button"
                disabled={storedLog.isFetchingNextPage}
                onClick={() => void storedLog.fetchNextPage()}
              >
                {storedLog.isFetchingNextPage ? 'Loading…' : `Load ${logPageSize} more lines`}
              </button>
            </div>
          )}
        </>
      )}

      {confirming && (
        <ConfirmDialog
          title="Interrupt this run?"
          confirmLabel="Interrupt"
          pending={interrupt.isPending}
          error={interrupt.error}
          onConfirm={() => interrupt.mutate(undefined, { onSuccess: () => setConfirming(false) })}
          onCancel={() => setConfirming(false)}
        >
          <p>The running task is stopped and everything this run staged is rolled back. Nothing it did is kept.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function BackLink() {
  return (
    <Link className="nav-back" to="/runs">
      ← All runs
    </Link>
  );
}

/** The current time, ticking each second while `ticking`, for durations of work still going on. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return undefined;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [ticking]);
  return now;
}
