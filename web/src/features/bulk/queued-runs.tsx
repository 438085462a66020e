import { EmptyState } from '../../components/page-states.tsx';
import { Link } from '../../router.tsx';
import { formatDateTime } from '../runs/run-format.ts';
import { StatusBadge } from '../runs/status-badge.tsx';
import { type BulkRunAnswer, useRunStatuses } from './bulk-api.ts';

const followLimit = 100;

/** What a bulk run or initialize queued, each run's status followed live, and what was left out and why. */
export function QueuedRuns({ answer }: { answer: BulkRunAnswer }) {
  const runIds = answer.items.flatMap((item) => (item.runId ? [item.runId] : []));
  const runs = useRunStatuses(runIds, followLimit);
  const skipped = answer.items.length - answer.queued;

  if (answer.items.length === 0) {
    return (
      <EmptyState title="Nothing matched.">
        <p className="muted">No batch matches these patterns. Check the names (they are case-sensitive).</p>
      </EmptyState>
    );
  }
  return (
    <section className="bulk-outcome" aria-label="Queued runs">
      <p className="bulk-summary">
        <strong>
          {answer.queued} {answer.queued === 1 ? 'run' : 'runs'} queued
        </strong>
        {skipped > 0 && <span className="bulk-summary-failed">, {skipped} not queued</span>}
        {runIds.length > followLimit && (
          <span className="muted"> (the status of the first {followLimit} is followed here)</span>
        )}
      </p>
      <div className="table-wrap">
        <table className="data-table bulk-table">
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Starts at</th>
              <th scope="col">Status</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {answer.items.map((item) => {
              const run = item.runId ? runs.get(item.runId) : undefined;
              return (
                <tr key={item.batchId} className={item.runId ? undefined : 'bulk-row-failed'}>
                  <th scope="row" className="cell-name bulk-name">
                    {item.name}
                  </th>
                  <td className="cell-time">{item.startsAt ? formatDateTime(item.startsAt) : '—'}</td>
                  <td>
                    {item.runId ? (
                      <Link to={`/runs/${item.runId}`} className="bulk-run-link" aria-label={`Run of ${item.name}`}>
                        <StatusBadge status={run?.status ?? 'queued'} />
                      </Link>
                    ) : (
                      <span className="bulk-not-queued">Not queued</span>
                    )}
                  </td>
                  <td className="bulk-message">{item.message ?? run?.message ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
