import type { ReactNode } from 'react';

import { useCurrentSession } from '../auth/use-session.ts';

/**
 * Administration pages are for administrators; anyone else reaching one by its address gets this
 * explanation instead of a page of refused requests (the API refuses them regardless).
 */
export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const { user } = useCurrentSession();
  if (user.isAdmin) return children;
  return (
    <section className="page-section" aria-labelledby="admin-only-title">
      <div className="page-header">
        <h1 id="admin-only-title">{title}</h1>
      </div>
      <p className="alert alert-info">Only administrators can open this page.</p>
    </section>
  );
}
