import type { Webhook } from '../api';
import { formatDateTime } from '../format';

interface WebhookStatusProps {
  webhook: Webhook;
  /** A connection's name by its ID. */
  connectionName: (id: string) => string;
}

/** Whether a webhook is on, and for each connection how far its feed was delivered and whether delivering fails. */
export function WebhookStatus({ webhook, connectionName }: WebhookStatusProps) {
  return (
    <div className="webhook-status">
      {webhook.enabled ? (
        <span className="badge badge-ok">Enabled</span>
      ) : (
        <span className="badge badge-neutral">Disabled</span>
      )}
      {webhook.previousSecretExpiresAt && (
        <p className="muted small">Old secret also signs until {formatDateTime(webhook.previousSecretExpiresAt)}.</p>
      )}
      {webhook.cursors.length === 0 ? (
        <p className="muted small">Nothing delivered yet.</p>
      ) : (
        <ul className="cursors">
          {webhook.cursors.map((cursor) => (
            <li key={cursor.connectionId}>
              {connectionName(cursor.connectionId)}: delivered up to {cursor.lastSeq}
              {cursor.lastSeq < cursor.feedLastSeq && <span className="muted"> of {cursor.feedLastSeq}</span>}
              {cursor.failing ? (
                <>
                  {' '}
                  <span className="badge badge-error">Failing</span>
                </>
              ) : (
                cursor.attempts > 0 && (
                  <>
                    {' '}
                    <span className="badge badge-warning">Retrying</span>
                    {cursor.nextAttemptAt && (
                      <span className="muted small"> next attempt {formatDateTime(cursor.nextAttemptAt)}</span>
                    )}
                  </>
                )
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
