import { useId } from 'react';
import { type ApiKey, api } from '../api';
import { AdminRow, AdminTable } from './AdminTable';
import { RelativeTime } from './RelativeTime';
import { RemoveRowButton } from './RemoveRowButton';

const API_KEY_COLUMNS = ['Name', 'Scope', 'Key', 'Created', 'Last used', 'Actions'] as const;

interface ApiKeysTableProps {
  apiKeys: ApiKey[];
  onRevoked: (apiKey: ApiKey) => void;
}

export function ApiKeysTable({ apiKeys, onRevoked }: ApiKeysTableProps) {
  return (
    <AdminTable
      caption="Every API key, by name (the keys themselves are never shown again)"
      columns={API_KEY_COLUMNS}
      className="api-keys"
    >
      {apiKeys.map((apiKey) => (
        <ApiKeyRow key={apiKey.id} apiKey={apiKey} onRevoked={onRevoked} />
      ))}
    </AdminTable>
  );
}

/** One API key; its only action, Revoke, asks first. */
function ApiKeyRow({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: (apiKey: ApiKey) => void }) {
  const nameId = useId();
  return (
    <AdminRow
      columns={API_KEY_COLUMNS}
      nameId={nameId}
      name={apiKey.name}
      cells={[
        apiKey.scope,
        <code key="prefix">{apiKey.prefix}…</code>,
        <RelativeTime key="created" iso={apiKey.createdAt} />,
        apiKey.lastUsedAt ? <RelativeTime key="used" iso={apiKey.lastUsedAt} /> : 'Never',
      ]}
      actions={
        <RemoveRowButton
          verb="Revoke"
          name={`the API key ${apiKey.name}`}
          describedBy={nameId}
          remove={() => api.revokeApiKey(apiKey.id)}
          onRemoved={() => onRevoked(apiKey)}
        >
          Requests with this key are refused from now on. Whatever uses it needs a new key.
        </RemoveRowButton>
      }
    />
  );
}
