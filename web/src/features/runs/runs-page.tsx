import type { Run } from '../../../../src/contracts/batches.dto.ts';
import { EmptyState, ErrorState, LoadingState } from '../../components/page-states.tsx';
import { Pager } from '../../components/pager.tsx';
import { Link, navigate, useLocation } from '../../router.tsx';
import { useBatches } from '../batches/batches-api.ts';
import { formatDateTime, formatDuration, triggerLabels } from './run-format.ts';
import { runStatuses, statusLook } from './run-status.ts';
import { useRuns } from './runs-api.ts';
import { StatusBadge } from './status-badge.tsx';
import './runs.css';

const pageSize = 25;

/** Run history, newest first. Filters and page live in the URL so a reload or a link keeps them. */
export function RunsPage() {
  const { pathname, searchParams } = useLocation();
  const status = searchParams.get('status') ?? '';
  const batch = searchParams.get('batch') ?? '';
  const sinceDate = searchParams.get('since') ?? '';
  const untilDate = searchParams.get('until') ?? '';
  const offset = Math.max(0, Number(searchParams.get('offset')) || 0);
  const since = startOfDay(sinceDate);
  const until = startOfDay(untilDate);
  // An empty or backwards range is a slip of the pen: said here, in the user's words, not asked of the API.
  const badRange = since !== undefined && until !== undefined && until <= since;

  const runs = useRuns({
    status: status || undefined,
    batch: batch || undefined,
    since,
    until: badRange ? undefined : until,
    limit: pageSize,
    offset,
  });
  const batches = useBatches({ limit: 500, offset: 0 });
  const batchList = batches.data?.items ?? [];
  const filtered = Boolean(status || batch || since || until);

  function setParam(name: string, value: string) {
    const next = new URLSearchParams(searchParams);
    if (value) next.set(name, value);
    else next.delete(name);
    if (name !== 'offset') next.delete('offset');
    const text = next.toString();
    navigate(text ? `${pathname}?${text}` : pathname, { replace: true });
  }

  return (
    <section className="page-section" aria-labelledby="runs-title">
      <div className="page-header">
        <div>
          <h1 id="runs-title">Runs</h1>
          <p className="muted">Every batch run, newest first. Open one to follow it live.</p>
        </div>
      </div>

      <div className="toolbar toolbar-wrap">
        <label className="inline-field">
          <span>Status</span>
          <select value={status} onChange={(event) => setParam('status', event.target.value)}>
            <option value="">All statuses</option>
            {runStatuses.map((value) => (
              <option key={value} value={value}>
                {statusLook(value).label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Batch</span>
          <select value={batch} onChange={(event) => setParam('batch', event.target.value)}>
            <option value="">All batches</option>
            {batch && !batchList.some((candidate) => candidate.id === batch) && (
              <option value={batch}>The chosen batch</option>
            )}
            {batchList.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.workspace} / {candidate.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>Started since</span>
          <input
            type="date"
            className="date-input"
            value={sinceDate}
            onChange={(event) => setParam('since', event.target.value)}
          />
        </label>
        <label className="inline-field">
          <span>Started before</span>
          <input
            type="date"
            className="date-input"
            value={untilDate}
            min={sinceDate || undefined}
            aria-invalid={badRange || undefined}
            aria-describedby={badRange ? 'runs-range-error' : undefined}
            onChange={(event) => setParam('until', event.target.value)}
          />
        </label>
        {filtered && (
          <button className="button button-small" type="button" onClick={() => navigate(pathname, { replace: true })}>
            Clear filters
          </button>
        )}
        {runs.data && !badRange && (
          <span className="muted" aria-live="polite">
            {runs.data.total} {runs.data.total === 1 ? 'run' : 'runs'}
          </span>
        )}
        {runs.isFetching && !runs.isPending && <span className="spinner spinner-small" aria-hidden="true" />}
      </div>

      {batches.isError && <ErrorState error={batches.error} onRetry={() => void batches.refetch()} />}

      {badRange ? (
        <p id="runs-range-error" className="alert alert-error" role="alert">
          “Started before” must be a later day than “Started since”.
        </p>
      ) : runs.isPending ? (
        <LoadingState label="Loading runs…" />
      ) : runs.isError ? (
        <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
      ) : runs.data.items.length === 0 ? (
        <EmptyState title={filtered ? 'No runs match these filters.' : 'No runs yet.'}>
          <p className="muted">
            {filtered ? 'Change or clear the filters.' : 'Start one with “Run now” on a batch, or wait for a schedule.'}
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data-table runs-table">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Batch</th>
                <th scope="col">Status</th>
                <th scope="col">Tasks</th>
                <th scope="col">Duration</th>
                <th scope="col">Trigger</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.items.map((run) => (
                <RunRow key={run.id} run={run} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {runs.data && !badRange && (
        <Pager
          total={runs.data.total}
          limit={pageSize}
          offset={offset}
          onChange={(next) => setParam('offset', next ? String(next) : '')}
        />
      )}
    </section>
  );
}

/** Local midnight of a `yyyy-mm-dd` date field, as an ISO date-time; undefined when empty or malformed. */
function startOfDay(date: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const day = new Date(`${date}T00:00:00`);
  // A hand-edited address like ?since=2026-13-45 is ignored rather than crashing the page.
  return Number.isNaN(day.getTime()) ? undefined : day.toISOString();
}

function RunRow({ run }: { run: Run }) {
  const done = run.tasks.filter((task) => task.status === 'committed').length;
  return (
    <tr>
      <td className="cell-name">
        <Link to={`/runs/${run.id}`} aria-label={`Run of ${run.batch} started ${formatDateTime(run.startedAt)}`}>
          {formatDateTime(run.startedAt)}
        </Link>
      </td>
      <td className="cell-name">{run.batch}</td>
      <td>
        <StatusBadge status={run.status} />
      </td>
      <td className="muted">
        {done} / {run.tasks.length} committed
      </td>
      <td className="cell-time">
        {run.endedAt ? formatDuration(run.startedAt, run.endedAt) : statusLook(run.status).label.toLowerCase()}
      </td>
      <td>
        {triggerLabels[run.trigger] ?? run.trigger}
        {run.startedBy && <span className="muted"> · {run.startedBy}</span>}
      </td>
      <td className="cell-description" title={run.message ?? undefined}>
        {run.message ?? <span className="muted">—</span>}
      </td>
    </tr>
  );
}
