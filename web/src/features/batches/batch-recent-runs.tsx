import { ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Link } from '../../router.tsx';
import { formatDateTime, formatDuration } from '../runs/run-format.ts';
import { useRuns } from '../runs/runs-api.ts';
import { StatusBadge } from '../runs/status-badge.tsx';

/** The batch's last few runs, linking to the live view and the full history. */
export function BatchRecentRuns({ batchId }: { batchId: string }) {
  const runs = useRuns({ batch: batchId, limit: 5, offset: 0 });
  return (
    <section className="recent-runs" aria-labelledby="recent-runs-title">
      <h2 id="recent-runs-title" className="section-title">
        Recent runs
      </h2>
      {runs.isPending ? (
        <LoadingState label="Loading runs…" />
      ) : runs.isError ? (
        <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
      ) : runs.data.items.length === 0 ? (
        <p className="muted">This batch has not run yet.</p>
      ) : (
        <>
          <ul className="recent-run-list">
            {runs.data.items.map((run) => (
              <li key={run.id}>
                <StatusBadge status={run.status} />
                <Link to={`/runs/${run.id}`}>{formatDateTime(run.startedAt)}</Link>
                <span className="muted">
                  {run.endedAt ? formatDuration(run.startedAt, run.endedAt) : ''}
                  {run.message ? ` · ${run.message}` : ''}
                </span>
              </li>
            ))}
          </ul>
          {runs.data.total > runs.data.items.length && (
            <Link to={`/runs?batch=${batchId}`}>All {runs.data.total} runs of this batch</Link>
          )}
        </>
      )}
    </section>
  );
}
