import type { Connection } from '../../../../src/contracts/connections.dto.ts';
import { errorMessage } from '../../api-client.ts';
import { Link } from '../../router.tsx';
import { filesPagePath } from '../files/file-paths.ts';
import { kindLabels } from './connection-kinds.ts';
import { useTestConnection } from './connections-api.ts';
import { describeRoles } from './roles-text.ts';

export const connectionColumnCount = 6;

export function ConnectionRow({
  connection,
  testable,
  onEdit,
  onDelete,
}: {
  connection: Connection;
  /** false when the type cannot be tested yet. */
  testable: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const test = useTestConnection(connection.id);
  return (
    <>
      <tr className={test.isIdle ? undefined : 'has-detail'}>
        <td className="cell-name">
          <span className="connection-name">{connection.name}</span>
          {connection.builtin && <span className="badge badge-builtin">built-in</span>}
        </td>
        <td>{kindLabels[connection.kind]}</td>
        <td>
          <code>{connection.type}</code>
        </td>
        <td className="cell-description" title={connection.description || undefined}>
          {connection.description || <span className="muted">—</span>}
        </td>
        <td className="cell-roles">
          <span className={connection.roles === null ? 'muted' : undefined}>{describeRoles(connection.roles)}</span>
        </td>
        <td className="cell-actions">
          {connection.kind === 'file_service' && (
            <Link
              className="button button-small"
              to={filesPagePath(connection.id)}
              aria-label={`Files of ${connection.name}`}
              title="Browse and upload files"
            >
              Files
            </Link>
          )}
          <button
            className="button button-small"
            type="button"
            onClick={() => test.mutate()}
            disabled={!testable || test.isPending}
            title={testable ? 'Check that geosync can reach and use it' : 'This type cannot be tested yet'}
          >
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
          <button className="button button-small" type="button" onClick={onEdit}>
            Edit
          </button>
          <button
            className="button button-small button-danger-outline"
            type="button"
            onClick={onDelete}
            disabled={connection.builtin}
            title={connection.builtin ? 'Built-in connections cannot be deleted' : undefined}
          >
            Delete
          </button>
        </td>
      </tr>
      {!test.isIdle && (
        <tr className="detail-row">
          <td colSpan={connectionColumnCount}>
            <div
              className={`test-result ${test.isPending ? 'test-pending' : test.data?.ok ? 'test-ok' : 'test-failed'}`}
              role="status"
              aria-label={`Test result of ${connection.name}`}
            >
              <span className="test-result-text">
                {test.isPending && 'Testing…'}
                {test.isError && (
                  <>
                    <strong>Failed</strong> {errorMessage(test.error)}
                  </>
                )}
                {test.data && (
                  <>
                    <strong>{test.data.ok ? 'OK' : 'Failed'}</strong> {test.data.message}{' '}
                    <span className="muted">({Math.round(test.data.durationMs)} ms)</span>
                  </>
                )}
              </span>
              {!test.isPending && (
                <button
                  className="icon-button"
                  type="button"
                  onClick={() => test.reset()}
                  aria-label="Dismiss test result"
                >
                  ×
                </button>
              )}
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
