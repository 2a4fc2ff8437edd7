import type { Connection, CreatedWebhook, Webhook } from '../api';
import { WebhookRow } from './WebhookRow';

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
    <div className="table-scroll">
      <table className="webhooks">
        <caption className="visually-hidden">Every webhook endpoint the change feed is delivered to</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Connection</th>
            <th scope="col">Models</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
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
        </tbody>
      </table>
    </div>
  );
}
