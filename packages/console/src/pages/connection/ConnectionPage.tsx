import { useEffect, useState } from 'react';
import { type ApiError, api, asApiError } from '../../api';
import { Breadcrumb } from '../../components/Breadcrumb';
import { ErrorNotice } from '../../components/ErrorNotice';
import { HealthPill } from '../../components/HealthPill';
import { RelativeTime } from '../../components/RelativeTime';
import { TabLinks } from '../../components/TabLinks';
import { connectionHealth } from '../../display/health';
import { featureTabsFor } from '../../features';
import { Link } from '../../navigation/Link';
import { connectionPath, navigate, takeNavigationState } from '../../navigation/router';
import { useLoad } from '../../state/useLoad';
import { usePageTitle } from '../../state/usePageTitle';
import { connectionTabs, OVERVIEW_TAB, SETTINGS_TAB, TESTS_TAB } from './connectionTabs';
import { OverviewTab } from './OverviewTab';
import { SettingsTab } from './SettingsTab';
import { TestsTab } from './TestsTab';

/** A connection's page: its name and health, and its tabs (Overview, its features', Tests, Settings). */
export function ConnectionPage({ id, tab }: { id: string; tab: string }) {
  const connection = useLoad((signal) => api.getConnection(id, signal), [id]);
  const tests = useLoad((signal) => api.listTests(id, signal), [id]);
  const [running, setRunning] = useState(false);
  const [testError, setTestError] = useState<ApiError>();
  const current = tab === 'overview' ? OVERVIEW_TAB : tab;
  const tabs = connection.data ? connectionTabs(connection.data) : [];
  const shown = tabs.find((t) => t.path === current);
  usePageTitle(
    [shown && shown.path !== OVERVIEW_TAB ? shown.title : '', connection.data?.name ?? 'Connection']
      .filter(Boolean)
      .join(' · '),
  );

  async function runTest() {
    setRunning(true);
    setTestError(undefined);
    try {
      const run = await api.runTest(id);
      tests.setData((old) => [run, ...(old ?? []).filter((t) => t.id !== run.id)]);
      // The health pill reflects the new run.
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

  const data = connection.data;
  const lastTest = data?.health.lastTest;
  const feature = data && featureTabsFor(data).find((f) => f.path === current);
  return (
    <>
      <Breadcrumb parent={<Link href="/">Connected accounts</Link>} current={data?.name ?? id} />
      <div className="page-heading">
        <h1 tabIndex={-1}>{data?.name ?? 'Connection'}</h1>
        {data && (
          <HealthPill health={connectionHealth(data)}>{lastTest && <RelativeTime iso={lastTest.at} />}</HealthPill>
        )}
      </div>
      {!data ? (
        <p role="status">Loading the connection…</p>
      ) : (
        <>
          <TabLinks label="Connection" tabs={tabs} current={current} hrefOf={(path) => connectionPath(id, path)} />
          {current === OVERVIEW_TAB ? (
            <OverviewTab
              connection={data}
              latest={tests.data?.[0]}
              running={running}
              testError={testError}
              onRunTest={runTest}
            />
          ) : current === TESTS_TAB ? (
            <TestsTab tests={tests} />
          ) : current === SETTINGS_TAB ? (
            <SettingsTab
              connection={data}
              onReplaced={connection.setData}
              onSignedIn={() => {
                // The sign-in ran the test: show the new run and the health it gives.
                connection.reload();
                tests.reload();
              }}
              onRemoved={() => navigate('/')}
            />
          ) : feature ? (
            <feature.Tab connection={data} />
          ) : (
            <section className="panel" aria-labelledby="no-tab-heading">
              <h2 id="no-tab-heading">No such tab</h2>
              <p>
                {data.name} has no “{current}” tab: the feature may not be enabled on it.{' '}
                <Link href={connectionPath(id)}>Go to its overview</Link>
              </p>
            </section>
          )}
        </>
      )}
    </>
  );
}
