import { api, type ServerInfo } from '../api';
import { Breadcrumb } from '../components/Breadcrumb';
import { ConnectionsTable } from '../components/ConnectionsTable';
import { DemoBanner } from '../components/DemoBanner';
import { LoadedContent } from '../components/LoadedContent';
import { Link } from '../Link';
import { navigate } from '../router';
import { useLoad } from '../useLoad';
import { usePageTitle } from '../usePageTitle';

export function ConnectedAccountsPage({ server }: { server: ServerInfo | undefined }) {
  usePageTitle('Connected accounts');
  const connections = useLoad((signal) => api.listConnections(signal), []);

  return (
    <>
      <Breadcrumb parent="Admin" current="Connected accounts" />
      <div className="page-heading">
        <h1 tabIndex={-1}>Connected accounts</h1>
        <button type="button" className="primary" onClick={() => navigate('/connections/new')}>
          Add connection
        </button>
      </div>
      {server?.demo && <DemoBanner />}
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
