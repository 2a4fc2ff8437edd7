import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, api, asApiError, whenSessionLost } from './api';
import { ErrorNotice } from './components/ErrorNotice';
import { SiteHeader } from './components/SiteHeader';
import { matchRoute, pageKey, type Route, usePath } from './navigation/router';
import { AddConnectionPage } from './pages/AddConnectionPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { ConnectedAccountsPage } from './pages/ConnectedAccountsPage';
import { ConnectionPage } from './pages/connection/ConnectionPage';
import { IntegrationsPage } from './pages/IntegrationsPage';
import { JobsPage } from './pages/JobsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInPage } from './pages/SignInPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { ServerInfoProvider, useServerInfo } from './state/serverInfo';

type SessionState =
  | { kind: 'checking' }
  | { kind: 'unreachable'; error: ApiError }
  | { kind: 'signed-out'; needsSetup: boolean }
  | { kind: 'signed-in' };

export function App() {
  const path = usePath();
  const route = matchRoute(path);
  const [session, setSession] = useState<SessionState>({ kind: 'checking' });

  const checkSession = useCallback(async () => {
    setSession({ kind: 'checking' });
    try {
      const answer = await api.getSession();
      setSession(answer.authenticated ? { kind: 'signed-in' } : { kind: 'signed-out', needsSetup: answer.needsSetup });
    } catch (reason) {
      setSession({ kind: 'unreachable', error: asApiError(reason) });
    }
  }, []);

  useEffect(() => {
    whenSessionLost(() => void checkSession());
    void checkSession();
  }, [checkSession]);

  const signedIn = session.kind === 'signed-in';
  // After a change of page or a sign-in, focus the heading so screen readers announce it and Tab starts from the top.
  // A change of tab is not a change of page: focus stays on the tab just chosen.
  const page = pageKey(route);
  const shown = useRef({ page, signedIn });
  useEffect(() => {
    if (shown.current.page === page && shown.current.signedIn === signedIn) return;
    shown.current = { page, signedIn };
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [page, signedIn]);

  async function signOut() {
    try {
      await api.signOut();
      setSession({ kind: 'signed-out', needsSetup: false });
    } catch {
      // Whether the session survived is the server's to say.
      void checkSession();
    }
  }

  return (
    <ServerInfoProvider signedIn={signedIn}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <SiteHeader {...(signedIn ? { path, onSignOut: signOut } : {})} />
      <main id="main">
        {session.kind === 'checking' ? (
          <p role="status">Loading…</p>
        ) : session.kind === 'unreachable' ? (
          <>
            <h1 tabIndex={-1}>tenantlink</h1>
            <ErrorNotice error={session.error} onRetry={checkSession} />
          </>
        ) : session.kind === 'signed-out' ? (
          <SignInPage needsSetup={session.needsSetup} onSignedIn={() => setSession({ kind: 'signed-in' })} />
        ) : (
          <Page route={route} />
        )}
      </main>
      {signedIn && <SiteFooter />}
    </ServerInfoProvider>
  );
}

function SiteFooter() {
  const { server } = useServerInfo();
  return server ? <footer className="site-footer">tenantlink {server.version}</footer> : null;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'connections':
      return <ConnectedAccountsPage />;
    case 'add-connection':
      return <AddConnectionPage />;
    case 'connection':
      return <ConnectionPage key={route.id} id={route.id} tab={route.tab} />;
    case 'integrations':
      return <IntegrationsPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'api-keys':
      return <ApiKeysPage />;
    case 'jobs':
      return <JobsPage />;
    case 'not-found':
      return <NotFoundPage />;
  }
}
