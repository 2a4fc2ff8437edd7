import { useEffect } from 'react';
import { api } from '../api';
import { Breadcrumb } from '../components/Breadcrumb';
import { ConnectionsTable } from '../components/ConnectionsTable';
import { DemoBanner } from '../components/DemoBanner';
import { LoadedContent } from '../components/LoadedContent';
import { Link } from '../navigation/Link';
import { navigate } from '../navigation/router';
import { useServerInfo } from '../state/serverInfo';
import { useLoad } from '../state/useLoad';
import { usePageTitle } from '../state/usePageTitle';

export function ConnectedAccountsPage() {
  usePageTitle('Connected accounts');
  const connections = useLoad((signal) => api.listConnections(signal), []);
  const { server, refresh } = useServerInfo();
  // Connections may have come or gone since the banner was last asked about (here, or with the CLI).
  useEffect(() => refresh(), [refresh]);

  return (
    <>
      <Breadcrumb parent="Admin" current="Connected accounts" />
      <div className="page-heading">
        <h1 tabIndex={-1}>Connected accounts</h1>
        <button type="button" className="primary" onClick={() => navigate('/connections/new')}>
          Add connection
        </button>
      </div>
      {server?.demo && <DemoBanner server={server} />}
      <LoadedContent loaded={connections} loading="Loading connections…">
        {(list) =>
          list.length === 0 ? (
            <div className="empty">
              <p>
                No Microsoft 365 tenant is connected yet. Select Add connection to get the setup guide for a customer's
                administrator.
              </p>
              <p>
                Customers' admins can also connect their tenant themselves, by admin consent or by signing in, through
                one of your <Link href="/integrations">Integrations</Link>.
              </p>
            </div>
          ) : (
            <ConnectionsTable connections={list} />
          )
        }
      </LoadedContent>
    </>
  );
}
