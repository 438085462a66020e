import { statusLook } from './run-status.ts';

/** A status as symbol + text on a coloured pill; the text alone carries the meaning. */
export function StatusBadge({ status, large = false }: { status: string; large?: boolean }) {
  const look = statusLook(status);
  return (
    <span
      className={`status-badge status-${look.tone}${large ? ' status-badge-large' : ''}`}
      title={look.hint}
      data-status={status}
    >
      <span className="status-symbol" aria-hidden="true">
        {look.symbol}
      </span>
      {look.label}
    </span>
  );
}
