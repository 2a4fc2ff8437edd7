import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, api, asApiError, type ServerInfo, whenSessionLost } from './api';
import { ErrorNotice } from './components/ErrorNotice';
import { SiteHeader } from './components/SiteHeader';
import { AddConnectionPage } from './pages/AddConnectionPage';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { ConnectedAccountsPage } from './pages/ConnectedAccountsPage';
import { ConnectionDetailPage } from './pages/ConnectionDetailPage';
import { IntegrationsPage } from './pages/IntegrationsPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInPage } from './pages/SignInPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { matchRoute, usePath } from './router';

type SessionState =
  | { kind: 'checking' }
  | { kind: 'unreachable'; error: ApiError }
  | { kind: 'signed-out'; needsSetup: boolean }
  | { kind: 'signed-in' };

export function App() {
  const path = usePath();
  const [session, setSession] = useState<SessionState>({ kind: 'checking' });
  const [server, setServer] = useState<ServerInfo>();

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
  useEffect(() => {
    if (!signedIn) return;
    const controller = new AbortController();
    // The server facts only decorate the pages (demo banner, version), so a failure here is not shown.
    api.getServer(controller.signal).then(setServer, () => {});
    return () => controller.abort();
  }, [signedIn]);

  // After a change of page or a sign-in, focus the heading so screen readers announce it and Tab starts from the top.
  const shown = useRef({ path, signedIn });
  useEffect(() => {
    if (shown.current.path === path && shown.current.signedIn === signedIn) return;
    shown.current = { path, signedIn };
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [path, signedIn]);

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
    <>
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
          <Page path={path} server={server} />
        )}
      </main>
      {signedIn && server && <footer className="site-footer">tenantlink {server.version}</footer>}
    </>
  );
}

function Page({ path, server }: { path: string; server: ServerInfo | undefined }) {
  const route = matchRoute(path);
  switch (route.page) {
    case 'connections':
      return <ConnectedAccountsPage server={server} />;
    case 'add-connection':
      return <AddConnectionPage />;
    case 'connection':
      return <ConnectionDetailPage key={route.id} id={route.id} />;
    case 'integrations':
      return <IntegrationsPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'api-keys':
      return <ApiKeysPage />;
    case 'not-found':
      return <NotFoundPage />;
  }
}
