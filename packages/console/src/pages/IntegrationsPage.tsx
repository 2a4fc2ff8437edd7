import { useState } from 'react';
import { api, type Integration } from '../api';
import { AddIntegrationForm } from '../components/AddIntegrationForm';
import { AdminPageHeading } from '../components/AdminPageHeading';
import { IntegrationsTable } from '../components/IntegrationsTable';
import { LoadedContent } from '../components/LoadedContent';
import { useAddForm } from '../useAddForm';
import { useLoad } from '../useLoad';
import { usePageTitle } from '../usePageTitle';

export function IntegrationsPage() {
  usePageTitle('Integrations');
  const integrations = useLoad((signal) => api.listIntegrations(signal), []);
  const catalogue = useLoad((signal) => api.getCatalogue(signal), []);
  const [announcement, setAnnouncement] = useState('');
  const { adding, setAdding, open, addButton, formHeading } = useAddForm();

  function created(integration: Integration) {
    integrations.setData((old) => [...(old ?? []).filter((i) => i.id !== integration.id), integration]);
    setAnnouncement(
      `Integration ${integration.name} saved. Register its redirect URI on the app registration before connecting a tenant.`,
    );
    setAdding(false);
  }

  function removed(integration: Integration) {
    integrations.setData((old) => old?.filter((i) => i.id !== integration.id));
    setAnnouncement(`Integration ${integration.name} removed.`);
    // Its row, and the Remove button that had focus, are gone.
    addButton.current?.focus();
  }

  return (
    <>
      <AdminPageHeading
        title="Integrations"
        addLabel="Add integration"
        addButton={addButton}
        onAdd={() => {
          setAnnouncement('');
          open();
        }}
      />
      <p className="lead">
        An integration is your own multi-tenant app registration. Customers' admins connect their tenant through it: by
        admin consent, or by signing in, from a link you send or from your product. Each connection made appears in
        Connected accounts.
      </p>
      <p className="announcement" role="status">
        {announcement}
      </p>
      {adding && (
        <section className="panel add-integration" aria-labelledby="add-integration-heading">
          <h2 id="add-integration-heading" ref={formHeading} tabIndex={-1}>
            Add integration
          </h2>
          <LoadedContent loaded={catalogue} loading="Loading features…">
            {(featureList) => (
              <AddIntegrationForm catalogue={featureList} onCreated={created} onCancel={() => setAdding(false)} />
            )}
          </LoadedContent>
        </section>
      )}
      <LoadedContent loaded={integrations} loading="Loading integrations…">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">
              No integration yet. Select Add integration to enter your app registration, so that customers' admins can
              connect their tenant themselves.
            </p>
          ) : (
            <IntegrationsTable
              integrations={list}
              onRemoved={removed}
              onUpdated={(updated) =>
                integrations.setData((old) => old?.map((i) => (i.id === updated.id ? updated : i)))
              }
            />
          )
        }
      </LoadedContent>
    </>
  );
}
