import { useEffect, useState } from 'react';
import { type ApiError, api, asApiError, type TestRun } from '../api';
import { Breadcrumb } from '../components/Breadcrumb';
import { ConnectionHealth } from '../components/ConnectionHealth';
import { ConnectionSettings } from '../components/ConnectionSettings';
import { DirectorySyncPanel } from '../components/DirectorySyncPanel';
import { ErrorNotice } from '../components/ErrorNotice';
import { RemoveConnection } from '../components/RemoveConnection';
import { RunTestPanel } from '../components/RunTestPanel';
import { StoredCredential } from '../components/StoredCredential';
import { TestHistory } from '../components/TestHistory';
import { Link } from '../Link';
import { navigate, takeNavigationState } from '../router';
import { useLoad } from '../useLoad';
import { usePageTitle } from '../usePageTitle';

export function ConnectionDetailPage({ id }: { id: string }) {
  const connection = useLoad((signal) => api.getConnection(id, signal), [id]);
  const tests = useLoad((signal) => api.listTests(id, signal), [id]);
  const [running, setRunning] = useState(false);
  const [testError, setTestError] = useState<ApiError>();
  usePageTitle(connection.data?.name ?? 'Connection');

  async function runTest() {
    setRunning(true);
    setTestError(undefined);
    try {
      const run = await api.runTest(id);
      tests.setData((old) => [run, ...(old ?? []).filter((t) => t.id !== run.id)]);
      // The health badge reflects the new run.
      connection.reload();
    } catch (reason) {
      setTestError(asApiError(reason));
    } finally {
      setRunning(false);
    }
  }

  // A connection just saved on the Add connection page is tested straight away.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per connection page, on arrival.
  useEffect(() => {
    if (takeNavigationState().runTest) void runTest();
  }, [id]);

  if (connection.error?.status === 404)
    return (
      <>
        <h1 tabIndex={-1}>Connection not found</h1>
        <p>
          No connection has the ID <code>{id}</code>; it may have been removed.{' '}
          <Link href="/">Back to Connected accounts</Link>
        </p>
      </>
    );

  if (connection.error && !connection.data)
    return (
      <>
        <h1 tabIndex={-1}>Connection</h1>
        <ErrorNotice error={connection.error} onRetry={connection.reload} />
      </>
    );

  const latest: TestRun | undefined = tests.data?.[0];
  return (
    <>
      <Breadcrumb parent={<Link href="/">Connected accounts</Link>} current={connection.data?.name ?? id} />
      <div className="page-heading">
        <h1 tabIndex={-1}>{connection.data?.name ?? 'Connection'}</h1>
        {connection.data && <ConnectionHealth connection={connection.data} />}
      </div>
      {!connection.data ? (
        <p role="status">Loading the connection…</p>
      ) : (
        <div className="detail-columns">
          <div className="stack-large">
            <RunTestPanel latest={latest} running={running} error={testError} onRun={runTest} />
            {tests.error ? (
              <ErrorNotice error={tests.error} onRetry={tests.reload} />
            ) : (
              tests.data && <TestHistory tests={tests.data} />
            )}
            {connection.data.features.includes('directory') && <DirectorySyncPanel connectionId={connection.data.id} />}
          </div>
          <div className="stack-large">
            <section aria-labelledby="settings-heading">
              <h2 id="settings-heading">Settings</h2>
              <ConnectionSettings connection={connection.data} />
            </section>
            <StoredCredential
              connection={connection.data}
              onReplaced={connection.setData}
              onSignedIn={() => {
                // The sign-in ran the test: show the new run and the health it gives.
                connection.reload();
                tests.reload();
              }}
            />
            <RemoveConnection connection={connection.data} onRemoved={() => navigate('/')} />
          </div>
        </div>
      )}
    </>
  );
}
