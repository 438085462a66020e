import type { ReactNode } from 'react';

import { errorMessage } from '../api-client.ts';

export function LoadingState({ label }: { label: string }) {
  return (
    <div className="page-state" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-state page-state-empty">
      <p className="page-state-title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="alert alert-error page-state-error" role="alert">
      <span>{errorMessage(error)}</span>
      {onRetry && (
        <button className="button button-small" type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
