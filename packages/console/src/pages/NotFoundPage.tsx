import { Link } from '../navigation/Link';
import { usePath } from '../navigation/router';
import { usePageTitle } from '../state/usePageTitle';

/** The console's own page for an address it has no page at (the server answers 404 with the console for it). */
export function NotFoundPage() {
  usePageTitle('Page not found');
  const path = usePath();
  return (
    <section className="not-found" aria-labelledby="not-found-heading">
      <p className="not-found-code" aria-hidden="true">
        404
      </p>
      <h1 id="not-found-heading" tabIndex={-1}>
        Page not found
      </h1>
      <p>
        The console has no page at <code>{path}</code>. The link may be old, or the address mistyped.
      </p>
      <ul className="not-found-links">
        <li>
          <Link href="/">Connected accounts</Link>: every connected tenant and its health
        </li>
        <li>
          <Link href="/integrations">Integrations</Link>, <Link href="/webhooks">Webhooks</Link> and{' '}
          <Link href="/api-keys">API keys</Link>
        </li>
        <li>
          <a href="/api/docs">API docs</a>: every route of the HTTP API
        </li>
      </ul>
    </section>
  );
}
