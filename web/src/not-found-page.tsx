import { homePath } from './paths.ts';
import { Link } from './router.tsx';

export function NotFoundPage() {
  return (
    <section className="page-state page-state-empty">
      <h1>Page not found</h1>
      <p className="muted">This page does not exist, or is not available yet.</p>
      <Link className="button" to={homePath}>
        Go to connections
      </Link>
    </section>
  );
}
