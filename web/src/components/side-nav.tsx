import { useSession } from '../features/auth/use-session.ts';
import { Link, matchPath, useLocation } from '../router.tsx';
import { routes } from '../routes.tsx';

export function SideNav() {
  const { pathname } = useLocation();
  const isAdmin = useSession().data?.user.isAdmin === true;
  return (
    <nav className="side-nav" aria-label="Main">
      <ul>
        {routes
          .filter((route) => route.navLabel && (isAdmin || !route.adminOnly))
          .map((route) => {
            const active = matchPath(route.path, pathname) !== null || pathname.startsWith(`${route.path}/`);
            return (
              <li key={route.path}>
                {route.page ? (
                  <Link to={route.path} className="nav-item" aria-current={active ? 'page' : undefined}>
                    {route.navLabel}
                  </Link>
                ) : (
                  <span className="nav-item nav-item-disabled" aria-disabled="true" title="Coming in a later version">
                    {route.navLabel}
                    <span className="nav-soon">soon</span>
                  </span>
                )}
              </li>
            );
          })}
      </ul>
    </nav>
  );
}
