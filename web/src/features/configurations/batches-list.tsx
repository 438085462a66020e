import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { EmptyState } from '../../components/page-states.tsx';
import { Link } from '../../router.tsx';

/**
 * The batches of a configuration; "New batch" (next to the section's title) adds one, and each is
 * edited, scheduled and run on its own page.
 */
export function BatchesList({ configuration, canEdit }: { configuration: Configuration; canEdit: boolean }) {
  if (configuration.batches.length === 0) {
    return (
      <EmptyState title="No batches yet.">
        <p className="muted">
          A batch runs tasks in order, now or on a schedule;{' '}
          {canEdit ? 'add one with New batch.' : 'an admin of the workspace can add one.'}
        </p>
      </EmptyState>
    );
  }
  return (
    <ul className="cfg-batch-list">
      {configuration.batches.map((batch) => (
        <li key={batch.id} className="cfg-card cfg-batch-item">
          <div>
            <Link to={`/batches/${batch.id}`} className="connection-name">
              {batch.name}
            </Link>{' '}
            {!batch.enabled && <span className="badge cfg-badge-warn">disabled</span>}
            {batch.name.startsWith('@') && <span className="badge badge-builtin">special</span>}
          </div>
          <p className="muted cfg-small">
            {batch.tasks.length === 0 ? 'No tasks' : batch.tasks.map((task, i) => `${i + 1}. ${task}`).join('  ')}
          </p>
        </li>
      ))}
    </ul>
  );
}
