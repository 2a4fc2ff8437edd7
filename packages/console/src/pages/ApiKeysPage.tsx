import { useRef, useState } from 'react';
import { type ApiKey, api, type CreatedApiKey } from '../api';
import { AddApiKeyForm } from '../components/AddApiKeyForm';
import { AdminPageHeading } from '../components/AdminPageHeading';
import { ApiKeyPanel } from '../components/ApiKeyPanel';
import { ApiKeysTable } from '../components/ApiKeysTable';
import { LoadedContent } from '../components/LoadedContent';
import { useAddForm } from '../useAddForm';
import { useLoad } from '../useLoad';
import { usePageTitle } from '../usePageTitle';

export function ApiKeysPage() {
  usePageTitle('API keys');
  const apiKeys = useLoad((signal) => api.listApiKeys(signal), []);
  // The new key lives only here, in memory, until closed: the server keeps only its hash.
  const [created, setCreated] = useState<CreatedApiKey>();
  const [announcement, setAnnouncement] = useState('');
  const keyHeading = useRef<HTMLHeadingElement>(null);
  // Closing the form moves focus to the new key, if any, else back to Create API key.
  const { adding, setAdding, open, addButton, formHeading } = useAddForm(() => keyHeading.current);

  function saved(answer: CreatedApiKey) {
    apiKeys.setData((old) => [...(old ?? []), answer.apiKey].sort((a, b) => a.name.localeCompare(b.name)));
    setCreated(answer);
    setAnnouncement(`API key ${answer.apiKey.name} created. Copy it now.`);
    setAdding(false);
  }

  function revoked(apiKey: ApiKey) {
    apiKeys.setData((old) => old?.filter((k) => k.id !== apiKey.id));
    if (created?.apiKey.id === apiKey.id) setCreated(undefined);
    setAnnouncement(`API key ${apiKey.name} revoked.`);
    // Its row, and the Revoke button that had focus, are gone.
    addButton.current?.focus();
  }

  return (
    <>
      <AdminPageHeading
        title="API keys"
        addLabel="Create API key"
        addButton={addButton}
        onAdd={() => {
          setAnnouncement('');
          open();
        }}
      />
      <p className="lead">
        An API key lets your product or a script call tenantlink's API, as{' '}
        <code>Authorization: Bearer &lt;key&gt;</code>. Its scope limits what it may do; give each use its own key, so
        that one can be revoked alone.
      </p>
      <p className="announcement" role="status">
        {announcement}
      </p>
      {created && (
        <ApiKeyPanel
          key={created.apiKey.id}
          created={created}
          headingRef={keyHeading}
          onClose={() => {
            setCreated(undefined);
            addButton.current?.focus();
          }}
        />
      )}
      {adding && (
        <section className="panel add-api-key" aria-labelledby="add-api-key-heading">
          <h2 id="add-api-key-heading" ref={formHeading} tabIndex={-1}>
            Create API key
          </h2>
          <AddApiKeyForm onCreated={saved} onCancel={() => setAdding(false)} />
        </section>
      )}
      <LoadedContent loaded={apiKeys} loading="Loading API keys…">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">No API key yet. Select Create API key to give your product or a script access.</p>
          ) : (
            <ApiKeysTable apiKeys={list} onRevoked={revoked} />
          )
        }
      </LoadedContent>
    </>
  );
}
