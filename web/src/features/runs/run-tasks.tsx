import type { Run } from '../../../../src/contracts/batches.dto.ts';
import { formatDuration } from './run-format.ts';
import { StatusBadge } from './status-badge.tsx';
import { TaskProgress } from './task-progress.tsx';

/** The run's tasks in run order: status, message, progress while it works, duration. */
export function RunTasks({ run, now }: { run: Run; now: number }) {
  if (run.tasks.length === 0) return <p className="muted">This run has no tasks.</p>;
  return (
    <div className="table-wrap">
      <table className="data-table run-tasks">
        <caption className="visually-hidden">Tasks of this run</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Task</th>
            <th scope="col">Status</th>
            <th scope="col">Message</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {run.tasks.map((task, index) => (
            <tr key={task.id} data-task={task.task}>
              <td className="muted">{index + 1}</td>
              <td className="cell-name">
                <span className="task-name">{task.task}</span>
                <code className="task-type">{task.type}</code>
              </td>
              <td>
                <StatusBadge status={task.status} />
              </td>
              <td className="cell-message">
                {task.message && <span>{task.message}</span>}
                {task.status === 'running' && <TaskProgress task={task.task} progress={task.progress} />}
                {!task.message && task.status !== 'running' && <span className="muted">—</span>}
              </td>
              <td className="cell-time">{formatDuration(task.startedAt, task.endedAt, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
