/** The `progress` a task reports (`ctx.progress(done, total, unit)`), as the API passes it on. */
interface Progress {
  done: number;
  total: number | null;
  unit: string | null;
}

function readProgress(raw: Record<string, unknown> | null): Progress | null {
  if (!raw || typeof raw.done !== 'number') return null;
  return {
    done: raw.done,
    total: typeof raw.total === 'number' && raw.total > 0 ? raw.total : null,
    unit: typeof raw.unit === 'string' && raw.unit ? raw.unit : null,
  };
}

const number = new Intl.NumberFormat();

/** A bar with its numbers in words: "1,200 of 5,000 rows (24%)"; no total, no bar length. */
export function TaskProgress({ task, progress }: { task: string; progress: Record<string, unknown> | null }) {
  const value = readProgress(progress);
  if (!value) return null;
  const unit = value.unit ? ` ${value.unit}` : '';
  const percent = value.total ? Math.min(100, Math.floor((value.done / value.total) * 100)) : null;
  const text =
    value.total !== null
      ? `${number.format(value.done)} of ${number.format(value.total)}${unit} (${percent}%)`
      : `${number.format(value.done)}${unit}`;
  return (
    <div className="task-progress">
      <progress
        aria-label={`Progress of ${task}`}
        aria-valuetext={text}
        max={value.total ?? undefined}
        value={value.total !== null ? Math.min(value.done, value.total) : undefined}
      />
      <span className="task-progress-text">{text}</span>
    </div>
  );
}
