import { useRef, useState } from 'react';
import { type ApiKey, api, type CreatedApiKey } from '../api';
import { AddApiKeyForm } from '../components/AddApiKeyForm';
import { AdminListPage, useAdminList } from '../components/AdminListPage';
import { ApiKeyPanel } from '../components/ApiKeyPanel';
import { ApiKeysTable } from '../components/ApiKeysTable';
import { useLoad } from '../state/useLoad';
import { usePageTitle } from '../state/usePageTitle';

export function ApiKeysPage() {
  usePageTitle('API keys');
  const apiKeys = useLoad((signal) => api.listApiKeys(signal), []);
  // The new key lives only here, in memory, until closed: the server keeps only its hash.
  const [created, setCreated] = useState<CreatedApiKey>();
  const keyHeading = useRef<HTMLHeadingElement>(null);
  // Closing the form moves focus to the new key, if any, else back to Create API key.
  const list = useAdminList(() => keyHeading.current);

  function saved(answer: CreatedApiKey) {
    apiKeys.setData((old) => [...(old ?? []), answer.apiKey].sort((a, b) => a.name.localeCompare(b.name)));
    setCreated(answer);
    list.announce(`API key ${answer.apiKey.name} created. Copy it now.`);
    list.closeAddForm();
  }

  function revoked(apiKey: ApiKey) {
    apiKeys.setData((old) => old?.filter((k) => k.id !== apiKey.id));
    if (created?.apiKey.id === apiKey.id) setCreated(undefined);
    list.announce(`API key ${apiKey.name} revoked.`);
    list.focusAddButton();
  }

  return (
    <AdminListPage
      list={list}
      title="API keys"
      addLabel="Create API key"
      lead={
        <>
          An API key lets your product or a script call tenantlink's API, as{' '}
          <code>Authorization: Bearer &lt;key&gt;</code>. Its scope limits what it may do; give each use its own key, so
          that one can be revoked alone.
        </>
      }
      notice={
        created && (
          <ApiKeyPanel
            key={created.apiKey.id}
            created={created}
            headingRef={keyHeading}
            onClose={() => {
              setCreated(undefined);
              list.focusAddButton();
            }}
          />
        )
      }
      addForm={({ headingId, close }) => <AddApiKeyForm labelledBy={headingId} onCreated={saved} onCancel={close} />}
      items={apiKeys}
      loading="Loading API keys…"
      empty={<p>No API key yet. Select Create API key to give your product or a script access.</p>}
    >
      {(items) => <ApiKeysTable apiKeys={items} onRevoked={revoked} />}
    </AdminListPage>
  );
}
