import type { Integration } from '../api';
import { AdminTable } from './AdminTable';
import { INTEGRATION_COLUMNS, IntegrationRow } from './IntegrationRow';

interface IntegrationsTableProps {
  integrations: Integration[];
  onRemoved: (integration: Integration) => void;
  onUpdated: (integration: Integration) => void;
}

export function IntegrationsTable({ integrations, onRemoved, onUpdated }: IntegrationsTableProps) {
  return (
    <AdminTable
      caption="Every integration customers connect through"
      columns={INTEGRATION_COLUMNS}
      className="integrations"
    >
      {integrations.map((integration) => (
        <IntegrationRow key={integration.id} integration={integration} onRemoved={onRemoved} onUpdated={onUpdated} />
      ))}
    </AdminTable>
  );
}
