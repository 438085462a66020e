import { useEffect, useRef } from 'react';

import type { Run } from '../../../../src/contracts/batches.dto.ts';
import { formatTime } from './run-format.ts';
import { isOpenRun } from './run-status.ts';
import type { RunLogLine } from './runs-api.ts';

/**
 * The run's log, oldest first. Stays scrolled to the newest line while the reader is at the bottom;
 * a reader who scrolled up to read is left where they are.
 */
export function RunLog({ run, lines }: { run: Run; lines: readonly RunLogLine[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useEffect(() => {
    const box = ref.current;
    if (box && atBottom.current) box.scrollTop = box.scrollHeight;
  }, [lines.length]);

  if (lines.length === 0) {
    return <p className="muted run-log-empty">{isOpenRun(run.status) ? 'No log lines yet.' : 'Nothing was logged.'}</p>;
  }
  const taskNames = new Map(run.tasks.map((task) => [task.id, task.task]));
  return (
    <div
      ref={ref}
      className="run-log"
      role="log"
      aria-label="Run log"
      tabIndex={0}
      onScroll={(event) => {
        const box = event.currentTarget;
        atBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
      }}
    >
      {lines.map((line, index) => (
        <div key={line.id ?? index} className={`log-line log-${line.level}`}>
          <time dateTime={line.at}>{formatTime(line.at)}</time>
          <span className="log-level">{line.level.toUpperCase()}</span>
          {line.taskRunId && taskNames.has(line.taskRunId) && (
            <span className="log-task">{taskNames.get(line.taskRunId)}</span>
          )}
          <span className="log-message">{line.message}</span>
        </div>
      ))}
    </div>
  );
}
