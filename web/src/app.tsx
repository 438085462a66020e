import { AppFrame } from './components/app-frame.tsx';
import { ErrorState, LoadingState } from './components/page-states.tsx';
import { LoginPage } from './features/auth/login-page.tsx';
import { useSession } from './features/auth/use-session.ts';
import { NotFoundPage } from './not-found-page.tsx';
import { homePath, loginPath } from './paths.ts';
import { Redirect, isSafeLocalPath, matchPath, useLocation } from './router.tsx';
import { routes } from './routes.tsx';

export function App() {
  const session = useSession();
  const { pathname, searchParams } = useLocation();

  if (session.isPending) return <LoadingState label="Loading geosync…" />;
  if (session.isError) return <ErrorState error={session.error} onRetry={() => void session.refetch()} />;

  if (!session.data) {
    if (pathname !== loginPath) {
      const next = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname + window.location.search)}`;
      return <Redirect to={loginPath + next} />;
    }
    return <LoginPage />;
  }

  if (pathname === loginPath || pathname === '/') {
    const next = searchParams.get('next');
    return <Redirect to={isSafeLocalPath(next) && next !== loginPath ? next : homePath} />;
  }

  return <AppFrame user={session.data.user}>{renderPage(pathname)}</AppFrame>;
}

function renderPage(pathname: string) {
  for (const route of routes) {
    const params = route.page && matchPath(route.path, pathname);
    if (route.page && params) return route.page(params);
  }
  return <NotFoundPage />;
}
