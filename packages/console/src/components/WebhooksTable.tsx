import type { Connection, CreatedWebhook, Webhook } from '../api';
import { AdminTable } from './AdminTable';
import { WEBHOOK_COLUMNS, WebhookRow } from './WebhookRow';

interface WebhooksTableProps {
  webhooks: Webhook[];
  connections: Connection[];
  onChanged: (webhook: Webhook, announcement: string) => void;
  onRemoved: (webhook: Webhook) => void;
  onRotated: (rotated: CreatedWebhook) => void;
}

export function WebhooksTable({ webhooks, connections, onChanged, onRemoved, onRotated }: WebhooksTableProps) {
  const names = new Map(connections.map((c) => [c.id, c.name]));
  const connectionName = (id: string) => names.get(id) ?? id;
  return (
    <AdminTable
      caption="Every webhook endpoint the change feed is delivered to"
      columns={WEBHOOK_COLUMNS}
      className="webhooks"
    >
      {webhooks.map((webhook) => (
        <WebhookRow
          key={webhook.id}
          webhook={webhook}
          connections={connections}
          connectionName={connectionName}
          onChanged={onChanged}
          onRemoved={onRemoved}
          onRotated={onRotated}
        />
      ))}
    </AdminTable>
  );
}
