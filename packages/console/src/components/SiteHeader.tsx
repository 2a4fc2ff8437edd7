import { Link } from '../navigation/Link';

interface SiteHeaderProps {
  /** The current path, to mark the current page in the navigation; absent before sign-in. */
  path?: string;
  onSignOut?: () => void;
}

export function SiteHeader({ path, onSignOut }: SiteHeaderProps) {
  const onConnections = path === '/' || path?.startsWith('/connections');
  const onIntegrations = path?.startsWith('/integrations');
  const onWebhooks = path?.startsWith('/webhooks');
  const onApiKeys = path?.startsWith('/api-keys');
  const onJobs = path?.startsWith('/jobs');
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        tenantlink
      </Link>
      {onSignOut && (
        <>
          <nav aria-label="Main">
            <ul className="main-nav">
              <li>
                <Link href="/" aria-current={onConnections ? 'page' : undefined}>
                  Connected accounts
                </Link>
              </li>
              <li>
                <Link href="/integrations" aria-current={onIntegrations ? 'page' : undefined}>
                  Integrations
                </Link>
              </li>
              <li>
                <Link href="/webhooks" aria-current={onWebhooks ? 'page' : undefined}>
                  Webhooks
                </Link>
              </li>
              <li>
                <Link href="/api-keys" aria-current={onApiKeys ? 'page' : undefined}>
                  API keys
                </Link>
              </li>
              <li>
                <Link href="/jobs" aria-current={onJobs ? 'page' : undefined}>
                  Jobs
                </Link>
              </li>
              <li>
                <a href="/api/docs">API docs</a>
              </li>
            </ul>
          </nav>
          <button type="button" className="sign-out" onClick={onSignOut}>
            Sign out
          </button>
        </>
      )}
    </header>
  );
}
