import type { Batch } from '../../../../src/contracts/batches.dto.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Pager } from '../../components/pager.tsx';
import { Link, navigate, useLocation } from '../../router.tsx';
import { formatDateTime } from '../runs/run-format.ts';
import { StatusBadge } from '../runs/status-badge.tsx';
import { useBatches, useWorkspaces } from './batches-api.ts';
import { describeSchedule, formatFireTime } from './schedule-form.ts';
import './batches.css';

const pageSize = 50;

/** Every batch the user sees, except the `@` ones (those belong to their configuration's page). */
export function BatchesPage() {
  const { pathname, searchParams } = useLocation();
  const workspace = searchParams.get('workspace') ?? '';
  const offset = Math.max(0, Number(searchParams.get('offset')) || 0);
  const batches = useBatches({ workspace: workspace || undefined, limit: pageSize, offset });
  const workspaces = useWorkspaces();

  function setParams(next: { workspace?: string; offset?: number }) {
    const params = new URLSearchParams();
    const ws = next.workspace ?? workspace;
    if (ws) params.set('workspace', ws);
    if (next.offset) params.set('offset', String(next.offset));
    const text = params.toString();
    navigate(text ? `${pathname}?${text}` : pathname, { replace: true });
  }

  return (
    <section className="page-section" aria-labelledby="batches-title">
      <div className="page-header">
        <div>
          <h1 id="batches-title">Batches</h1>
          <p className="muted">Tasks that run together, by hand or on a schedule.</p>
        </div>
      </div>

      <div className="toolbar">
        <label className="inline-field">
          <span>Workspace</span>
          <select value={workspace} onChange={(event) => setParams({ workspace: event.target.value, offset: 0 })}>
            <option value="">All workspaces</option>
            {workspace && !workspaces.data?.some((candidate) => candidate.name === workspace) && (
              <option value={workspace}>{workspace}</option>
            )}
            {workspaces.data?.map((candidate) => (
              <option key={candidate.id} value={candidate.name}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
        {batches.data && (
          <span className="muted" aria-live="polite">
            {batches.data.total} {batches.data.total === 1 ? 'batch' : 'batches'}
          </span>
        )}
        {batches.isFetching && !batches.isPending && <span className="spinner spinner-small" aria-hidden="true" />}
      </div>

      {workspaces.isError && <ErrorState error={workspaces.error} onRetry={() => void workspaces.refetch()} />}

      {batches.isPending ? (
        <LoadingState label="Loading batches…" />
      ) : batches.isError ? (
        <ErrorState error={batches.error} onRetry={() => void batches.refetch()} />
      ) : batches.data.items.length === 0 ? (
        <EmptyState title={workspace ? `No batches in ${workspace}.` : 'No batches yet.'}>
          <p className="muted">
            A batch belongs to a configuration: open one under <Link to="/configurations">Configurations</Link> and use
            New batch in its Batches section.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Workspace</th>
                <th scope="col">Configuration</th>
                <th scope="col">Tasks</th>
                <th scope="col">Schedule</th>
                <th scope="col">Next run</th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {batches.data.items.map((batch) => (
                <BatchRow key={batch.id} batch={batch} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {batches.data && (
        <Pager
          total={batches.data.total}
          limit={pageSize}
          offset={offset}
          onChange={(next) => setParams({ offset: next })}
        />
      )}
    </section>
  );
}

function BatchRow({ batch }: { batch: Batch }) {
  const next = batch.nextFires[0];
  return (
    <tr>
      <td className="cell-name">
        <Link className="batch-link" to={`/batches/${batch.id}`}>
          {batch.name}
        </Link>
        {!batch.enabled && <span className="badge badge-builtin">disabled</span>}
      </td>
      <td>{batch.workspace}</td>
      <td>{batch.configuration ?? <span className="muted">independent</span>}</td>
      <td>{batch.tasks.length}</td>
      <td className="cell-description" title={describeSchedule(batch.schedule, batch.timeZone)}>
        {batch.schedule ? describeSchedule(batch.schedule, batch.timeZone) : <span className="muted">by hand</span>}
      </td>
      <td className="cell-time">{next ? formatFireTime(next, batch.timeZone) : <span className="muted">—</span>}</td>
      <td>
        {batch.lastRun ? (
          <span className="last-run">
            <StatusBadge status={batch.lastRun.status} />
            <Link to={`/runs/${batch.lastRun.id}`} aria-label={`Last run of ${batch.name}`}>
              {formatDateTime(batch.lastRun.startedAt)}
            </Link>
          </span>
        ) : (
          <span className="muted">never</span>
        )}
      </td>
    </tr>
  );
}
