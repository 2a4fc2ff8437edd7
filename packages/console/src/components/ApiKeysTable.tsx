import { useId } from 'react';
import { type ApiKey, api } from '../api';
import { formatDateTime } from '../format';
import { RemoveRowButton } from './RemoveRowButton';

interface ApiKeysTableProps {
  apiKeys: ApiKey[];
  onRevoked: (apiKey: ApiKey) => void;
}

export function ApiKeysTable({ apiKeys, onRevoked }: ApiKeysTableProps) {
  return (
    <div className="table-scroll">
      <table className="api-keys">
        <caption className="visually-hidden">
          Every API key, by name (the keys themselves are never shown again)
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scope</th>
            <th scope="col">Key</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {apiKeys.map((apiKey) => (
            <ApiKeyRow key={apiKey.id} apiKey={apiKey} onRevoked={onRevoked} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ApiKeyRow({ apiKey, onRevoked }: { apiKey: ApiKey; onRevoked: (apiKey: ApiKey) => void }) {
  const nameId = useId();
  return (
    <tr>
      <th scope="row" id={nameId}>
        {apiKey.name}
      </th>
      <td>{apiKey.scope}</td>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>{formatDateTime(apiKey.createdAt)}</td>
      <td>{apiKey.lastUsedAt ? formatDateTime(apiKey.lastUsedAt) : 'Never'}</td>
      <td>
        <RemoveRowButton
          verb="Revoke"
          name={`the API key ${apiKey.name}`}
          describedBy={nameId}
          remove={() => api.revokeApiKey(apiKey.id)}
          onRemoved={() => onRevoked(apiKey)}
        >
          Requests with this key are refused from now on. Whatever uses it needs a new key.
        </RemoveRowButton>
      </td>
    </tr>
  );
}
