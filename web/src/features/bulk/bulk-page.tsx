import { type KeyboardEvent, useRef } from 'react';

import { ErrorState } from '../../components/page-states.tsx';
import { navigate, useLocation } from '../../router.tsx';
import { useCurrentSession } from '../auth/use-session.ts';
import { useWorkspaces } from './bulk-api.ts';
import { BulkRunForm } from './bulk-run-form.tsx';
import { ImportPanel } from './import-panel.tsx';
import '../runs/runs.css';
import './bulk.css';

const tabs = [
  { id: 'run', label: 'Run batches' },
  { id: 'import', label: 'Import configurations' },
  { id: 'initialize', label: 'Initialize configurations' },
] as const;
type TabId = (typeof tabs)[number]['id'];

/** The Task Manager's bulk operations: run batches by pattern, import configurations from CSV, bulk initialize. */
export function BulkPage() {
  const { pathname, searchParams } = useLocation();
  const tab: TabId = tabs.find((candidate) => candidate.id === searchParams.get('tab'))?.id ?? 'run';
  const tabRefs = useRef<Partial<Record<TabId, HTMLButtonElement | null>>>({});
  const { user } = useCurrentSession();
  const workspaces = useWorkspaces();

  // Buttons show only where the API would agree: running needs write, creating configurations admin.
  const levels = new Map(workspaces.data?.map((workspace) => [workspace.name, workspace.myLevel]));
  const canRun = user.isAdmin || [...levels.values()].some((level) => level === 'write' || level === 'admin');
  const canImport = (workspace: string) => user.isAdmin || levels.get(workspace) === 'admin';

  function select(next: TabId, focus = false) {
    navigate(next === 'run' ? pathname : `${pathname}?tab=${next}`, { replace: true });
    if (focus) tabRefs.current[next]?.focus();
  }

  // Arrow keys move between tabs (WAI-ARIA tabs pattern); Tab goes on into the panel.
  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const index = tabs.findIndex((candidate) => candidate.id === tab);
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    select(tabs[(target + tabs.length) % tabs.length]!.id, true);
  }

  return (
    <section className="page-section" aria-labelledby="bulk-title">
      <div className="page-header">
        <div>
          <h1 id="bulk-title">Bulk operations</h1>
          <p className="muted">Run many batches at once, create configurations from a CSV file, initialize them.</p>
        </div>
      </div>

      {workspaces.isError && <ErrorState error={workspaces.error} onRetry={() => void workspaces.refetch()} />}
      {workspaces.isSuccess && !canRun && (
        <p className="alert alert-info bulk-read-only">
          You have read access only: running batches needs the write level on a workspace, importing configurations the
          admin level. You can still check a CSV file.
        </p>
      )}

      <div className="bulk-tabs" role="tablist" aria-label="Bulk operations" onKeyDown={onKeyDown}>
        {tabs.map((candidate) => (
          <button
            key={candidate.id}
            ref={(element) => {
              tabRefs.current[candidate.id] = element;
            }}
            id={`bulk-tab-${candidate.id}`}
            className="bulk-tab"
            type="button"
            role="tab"
            aria-selected={candidate.id === tab}
            aria-controls={`bulk-panel-${candidate.id}`}
            tabIndex={candidate.id === tab ? 0 : -1}
            onClick={() => select(candidate.id)}
          >
            {candidate.label}
          </button>
        ))}
      </div>
      {/* Every panel stays mounted, so a result is still there after a look at another tab. */}
      {tabs.map((candidate) => (
        <div
          key={candidate.id}
          className="bulk-panel"
          role="tabpanel"
          id={`bulk-panel-${candidate.id}`}
          aria-labelledby={`bulk-tab-${candidate.id}`}
          hidden={candidate.id !== tab}
        >
          {candidate.id === 'import' ? (
            <ImportPanel canImport={canImport} />
          ) : (
            <BulkRunForm kind={candidate.id} canRun={workspaces.isSuccess && canRun} />
          )}
        </div>
      ))}
    </section>
  );
}
