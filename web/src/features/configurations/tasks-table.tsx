import { EmptyState } from '../../components/page-states.tsx';
import type { TaskTypeInfo } from './configurations-api.ts';
import { type DraftTask, referencedAttribute } from './draft.ts';

export function TasksTable({
  tasks,
  types,
  problems,
  tasksInBatches,
  readOnly,
  onEdit,
  onRemove,
}: {
  tasks: readonly DraftTask[];
  types: ReadonlyMap<string, TaskTypeInfo>;
  /** By task name, then parameter ('' = the task). */
  problems: Record<string, Record<string, string[]>>;
  /** Saved task names that a batch runs: they cannot be removed (Task Manager rule). */
  tasksInBatches: ReadonlySet<string>;
  readOnly: boolean;
  onEdit: (task: DraftTask) => void;
  onRemove: (task: DraftTask) => void;
}) {
  if (tasks.length === 0) {
    return (
      <EmptyState title="No tasks yet.">
        <p className="muted">Add a task: copy a table, publish a layer, synchronize metadata…</p>
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table className="data-table cfg-tasks-table">
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Type</th>
            <th scope="col">Parameters</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => {
            const type = types.get(task.type);
            const taskProblems = problems[task.name] ?? {};
            const inBatch = tasksInBatches.has(task.name);
            const unplaced = Object.entries(taskProblems).filter(
              ([parameter]) => parameter === '' || !(parameter in task.parameters),
            );
            return (
              <tr key={task.key} className={Object.keys(taskProblems).length > 0 ? 'cfg-row-invalid' : undefined}>
                <th scope="row" className="cell-name">
                  {task.name}
                </th>
                <td>
                  {type?.title ?? task.type}
                  <div className="muted cfg-small">
                    <code>{task.type}</code>
                  </div>
                </td>
                <td>
                  <dl className="cfg-parameter-list">
                    {Object.entries(task.parameters).map(([parameter, value]) => {
                      const attribute = referencedAttribute(value);
                      const messages = taskProblems[parameter];
                      return (
                        <div key={parameter}>
                          <dt>{parameter}</dt>
                          <dd>
                            {attribute ? (
                              <span className="cfg-attribute-chip" title={`Reads attribute ${attribute}`}>
                                {value}
                              </span>
                            ) : (
                              <code>{value}</code>
                            )}
                            {messages && <span className="field-error"> {messages.join('; ')}</span>}
                          </dd>
                        </div>
                      );
                    })}
                  </dl>
                  {unplaced.map(([parameter, messages]) => (
                    <p key={parameter} className="field-error">
                      {messages.join('; ')}
                    </p>
                  ))}
                </td>
                <td className="cell-actions">
                  {!readOnly && (
                    <>
                      <button
                        className="button button-small"
                        type="button"
                        onClick={() => onEdit(task)}
                        aria-label={`Edit task ${task.name}`}
                      >
                        Edit
                      </button>
                      <button
                        className="button button-small button-danger-outline"
                        type="button"
                        onClick={() => onRemove(task)}
                        disabled={inBatch}
                        aria-label={`Remove task ${task.name}`}
                        title={inBatch ? 'Take it out of its batches first' : undefined}
                      >
                        Remove
                      </button>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
