import { useId } from 'react';

import type { PrepareReport } from '../../../../src/contracts/files.dto.ts';

/** What the prepare script printed, its exit code and how long it ran. */
export function PrepareReportView({ report }: { report: PrepareReport }) {
  return (
    <div className="prepare-report">
      <h3>Prepare script</h3>
      <dl className="prepare-facts">
        <div>
          <dt>Exit code</dt>
          <dd>
            <code>{report.exitCode}</code>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(report.durationMs)}</dd>
        </div>
      </dl>
      <OutputBlock label="Standard output" text={report.stdout} />
      <OutputBlock label="Standard error" text={report.stderr} />
      {report.truncated && <p className="muted">The output was long; only its last part is shown.</p>}
    </div>
  );
}

function OutputBlock({ label, text }: { label: string; text: string }) {
  const headingId = useId();
  return (
    <div className="prepare-output">
      <h4 id={headingId}>{label}</h4>
      {text.trim() ? (
        // A named region, focusable, so a keyboard user can scroll a long output.
        <pre tabIndex={0} role="region" aria-labelledby={headingId}>
          {text}
        </pre>
      ) : (
        <p className="muted">(none)</p>
      )}
    </div>
  );
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
