import type { Configuration } from '../../../../src/contracts/configurations.dto.ts';
import { EmptyState } from '../../components/page-states.tsx';
import { Link } from '../../router.tsx';

/** The batches of a configuration; they are edited, scheduled and run on the Batches pages. */
export function BatchesList({ configuration }: { configuration: Configuration }) {
  if (configuration.batches.length === 0) {
    return (
      <EmptyState title="No batches yet.">
        <p className="muted">A batch runs tasks in order, now or on a schedule; create one on the Batches page.</p>
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
