import type { Webhook } from '../api';
import { formatDateTime } from '../display/format';
import { webhookHealth } from '../display/health';
import { HealthPill } from './HealthPill';
import { RelativeTime } from './RelativeTime';

interface WebhookStatusProps {
  webhook: Webhook;
  /** A connection's name by its ID. */
  connectionName: (id: string) => string;
}

/** How a webhook stands (one pill, from the server's status), and for each connection how far its feed was delivered. */
export function WebhookStatus({ webhook, connectionName }: WebhookStatusProps) {
  return (
    <div className="webhook-status">
      <HealthPill health={webhookHealth(webhook)} />
      {webhook.previousSecretExpiresAt && (
        <p className="muted small">Old secret also signs until {formatDateTime(webhook.previousSecretExpiresAt)}.</p>
      )}
      {webhook.cursors.length > 0 && (
        <ul className="cursors">
          {webhook.cursors.map((cursor) => (
            <li key={cursor.connectionId}>
              {connectionName(cursor.connectionId)}: delivered up to {cursor.lastSeq}
              {cursor.lastSeq < cursor.feedLastSeq && <span className="muted"> of {cursor.feedLastSeq}</span>}
              {!cursor.failing && cursor.attempts > 0 && cursor.nextAttemptAt && (
                <span className="muted small">
                  {' '}
                  · next attempt <RelativeTime iso={cursor.nextAttemptAt} />
                </span>
              )}
              {(cursor.failing || cursor.attempts > 0) && cursor.lastError && (
                <p className="cursor-error">{cursor.lastError}</p>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
