import { useId, useState } from 'react';

export interface OrderTask {
  id: string;
  name: string;
  /** The task type, when the configuration is loaded. */
  type?: string;
}

/**
 * The batch's tasks in run order, moved with Up/Down buttons (keyboard friendly, unlike dragging),
 * and the configuration's other tasks to add. Focus follows a moved task so repeated presses work.
 */
export function TaskOrder({
  tasks,
  available,
  readOnly,
  error,
  onChange,
}: {
  tasks: readonly OrderTask[];
  /** Tasks of the configuration not in the batch; undefined while unknown (independent batch). */
  available: readonly OrderTask[] | undefined;
  readOnly: boolean;
  error?: string;
  onChange: (ids: string[]) => void;
}) {
  const [toAdd, setToAdd] = useState('');
  const addId = useId();
  const ids = tasks.map((task) => task.id);

  function move(index: number, by: -1 | 1, button: HTMLButtonElement) {
    const next = [...ids];
    const [moved] = next.splice(index, 1);
    if (moved === undefined) return;
    next.splice(index + by, 0, moved);
    onChange(next);
    // The list re-renders with the task elsewhere: keep the keyboard on the same task's button.
    const label = button.getAttribute('data-action');
    requestAnimationFrame(() => {
      const row = document.querySelector(`[data-task-id="${moved}"]`);
      const target =
        row?.querySelector<HTMLButtonElement>(`[data-action="${label}"]:not(:disabled)`) ??
        row?.querySelector<HTMLButtonElement>('button:not(:disabled)');
      target?.focus();
    });
  }

  return (
    <fieldset className="fieldset" disabled={readOnly}>
      <legend>Tasks, in run order</legend>
      {error && <p className="field-error">{error}</p>}
      {tasks.length === 0 ? (
        <p className="muted">No tasks: a run of this batch does nothing.</p>
      ) : (
        <ol className="task-order">
          {tasks.map((task, index) => (
            <li key={task.id} data-task-id={task.id} className="task-order-item">
              <span className="task-order-position" aria-hidden="true">
                {index + 1}
              </span>
              <span className="task-order-name">
                <strong>{task.name}</strong>
                {task.type && <code className="task-type">{task.type}</code>}
              </span>
              {!readOnly && (
                <span className="task-order-actions">
                  <button
                    className="button button-small"
                    type="button"
                    data-action="up"
                    disabled={index === 0}
                    aria-label={`Move ${task.name} up`}
                    onClick={(event) => move(index, -1, event.currentTarget)}
                  >
                    ↑ Up
                  </button>
                  <button
                    className="button button-small"
                    type="button"
                    data-action="down"
                    disabled={index === tasks.length - 1}
                    aria-label={`Move ${task.name} down`}
                    onClick={(event) => move(index, 1, event.currentTarget)}
                  >
                    ↓ Down
                  </button>
                  <button
                    className="button button-small button-danger-outline"
                    type="button"
                    aria-label={`Remove ${task.name} from the batch`}
                    onClick={() => onChange(ids.filter((id) => id !== task.id))}
                  >
                    Remove
                  </button>
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {!readOnly && available && available.length > 0 && (
        <div className="task-add">
          <label htmlFor={addId} className="field-label">
            Add a task of the configuration
          </label>
          <div className="task-add-row">
            <select id={addId} value={toAdd} onChange={(event) => setToAdd(event.target.value)}>
              <option value="">Choose a task…</option>
              {available.map((task) => (
                <option key={task.id} value={task.id}>
                  {task.name}
                  {task.type ? ` (${task.type})` : ''}
                </option>
              ))}
            </select>
            <button
              className="button button-small"
              type="button"
              disabled={!toAdd}
              onClick={() => {
                onChange([...ids, toAdd]);
                setToAdd('');
              }}
            >
              Add
            </button>
          </div>
        </div>
      )}
    </fieldset>
  );
}
