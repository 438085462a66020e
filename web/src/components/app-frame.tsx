import type { ReactNode } from 'react';

import type { CurrentUser } from '../../../src/contracts/auth.dto.ts';
import { errorMessage } from '../api-client.ts';
import { useLogout } from '../features/auth/use-session.ts';
import { SideNav } from './side-nav.tsx';

export function AppFrame({ user, children }: { user: CurrentUser; children: ReactNode }) {
  const logoutMutation = useLogout();
  return (
    <div className="app-frame">
      <header className="top-bar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          geosync
        </div>
        <div className="top-bar-user">
          {logoutMutation.isError && (
            <span className="error-text" role="alert">
              {errorMessage(logoutMutation.error)}
            </span>
          )}
          <span className="user-name" title={user.username}>
            {user.displayName || user.username}
            {user.isAdmin && <span className="badge badge-neutral">admin</span>}
          </span>
          <button
            className="button button-ghost-inverse"
            type="button"
            onClick={() => logoutMutation.mutate()}
            disabled={logoutMutation.isPending}
          >
            Log out
          </button>
        </div>
      </header>
      <SideNav />
      <main className="page" id="main">
        {children}
      </main>
    </div>
  );
}
