import { api, type Integration } from '../api';
import { AddIntegrationForm } from '../components/AddIntegrationForm';
import { AdminListPage, useAdminList } from '../components/AdminListPage';
import { IntegrationsTable } from '../components/IntegrationsTable';
import { LoadedContent } from '../components/LoadedContent';
import { useLoad } from '../state/useLoad';
import { usePageTitle } from '../state/usePageTitle';

export function IntegrationsPage() {
  usePageTitle('Integrations');
  const integrations = useLoad((signal) => api.listIntegrations(signal), []);
  const catalogue = useLoad((signal) => api.getCatalogue(signal), []);
  const list = useAdminList();

  function created(integration: Integration) {
    integrations.setData((old) => [...(old ?? []).filter((i) => i.id !== integration.id), integration]);
    list.announce(
      `Integration ${integration.name} saved. Register its redirect URI on the app registration, as a Web redirect URI, before connecting a tenant.`,
    );
    list.closeAddForm();
  }

  function removed(integration: Integration) {
    integrations.setData((old) => old?.filter((i) => i.id !== integration.id));
    list.announce(`Integration ${integration.name} removed.`);
    list.focusAddButton();
  }

  return (
    <AdminListPage
      list={list}
      title="Integrations"
      addLabel="Add integration"
      lead="An integration is your own multi-tenant app registration. Customers' admins connect their tenant through it: by admin consent, or by signing in, from a link you send or from your product. Each connection made appears in Connected accounts."
      addForm={({ headingId, close }) => (
        <LoadedContent loaded={catalogue} loading="Loading features…">
          {(features) => (
            <AddIntegrationForm labelledBy={headingId} catalogue={features} onCreated={created} onCancel={close} />
          )}
        </LoadedContent>
      )}
      items={integrations}
      loading="Loading integrations…"
      empty={
        <p>
          No integration yet. Select Add integration to enter your app registration, so that customers' admins can
          connect their tenant themselves.
        </p>
      }
    >
      {(items) => (
        <IntegrationsTable
          integrations={items}
          onRemoved={removed}
          onUpdated={(updated) => integrations.setData((old) => old?.map((i) => (i.id === updated.id ? updated : i)))}
        />
      )}
    </AdminListPage>
  );
}
