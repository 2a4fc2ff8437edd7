import type { Integration } from '../api';
import { IntegrationRow } from './IntegrationRow';

interface IntegrationsTableProps {
  integrations: Integration[];
  onRemoved: (integration: Integration) => void;
  onUpdated: (integration: Integration) => void;
}

export function IntegrationsTable({ integrations, onRemoved, onUpdated }: IntegrationsTableProps) {
  return (
    <div className="table-scroll">
      <table className="integrations">
        <caption className="visually-hidden">Every integration customers connect through</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Mode</th>
            <th scope="col">Client ID</th>
            <th scope="col">Features</th>
            <th scope="col">Return URL</th>
            <th scope="col">Redirect URI</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {integrations.map((integration) => (
            <IntegrationRow
              key={integration.id}
              integration={integration}
              onRemoved={onRemoved}
              onUpdated={onUpdated}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
