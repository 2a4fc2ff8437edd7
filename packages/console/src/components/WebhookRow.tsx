import { useId, useState } from 'react';
import {
  type ApiError,
  api,
  asApiError,
  type Connection,
  type CreatedWebhook,
  type Webhook,
  type WebhookCursor,
  type WebhookPing,
} from '../api';
import { Link } from '../Link';
import { connectionPath } from '../router';
import { ErrorNotice } from './ErrorNotice';
import { FeatureList } from './FeatureList';
import { RemoveRowButton } from './RemoveRowButton';
import { ReplayWebhookForm } from './ReplayWebhookForm';
import { RotateWebhookSecretForm } from './RotateWebhookSecretForm';
import { WebhookDeliveries } from './WebhookDeliveries';
import { WebhookStatus } from './WebhookStatus';

export const WEBHOOK_COLUMNS = 5;

interface WebhookRowProps {
  webhook: Webhook;
  connections: Connection[];
  connectionName: (id: string) => string;
  /** A changed webhook, and what to announce about it. */
  onChanged: (webhook: Webhook, announcement: string) => void;
  onRemoved: (webhook: Webhook) => void;
  /** A new signing secret, to show once. */
  onRotated: (rotated: CreatedWebhook) => void;
}

/** One webhook endpoint with its actions; its deliveries and the replay form open in a row of their own beneath. */
export function WebhookRow({ webhook, connections, connectionName, onChanged, onRemoved, onRotated }: WebhookRowProps) {
  const urlId = useId();
  const deliveriesId = useId();
  const replayId = useId();
  const [switching, setSwitching] = useState(false);
  const [switchError, setSwitchError] = useState<ApiError>();
  const [showDeliveries, setShowDeliveries] = useState(false);
  const [showReplay, setShowReplay] = useState(false);
  const [showRotate, setShowRotate] = useState(false);
  const [pinging, setPinging] = useState(false);
  const [ping, setPing] = useState<WebhookPing>();
  const [pingError, setPingError] = useState<ApiError>();
  const rotateId = useId();

  async function switchOnOrOff() {
    setSwitching(true);
    setSwitchError(undefined);
    try {
      const changed = await api.updateWebhook(webhook.id, { enabled: !webhook.enabled });
      onChanged(
        changed,
        changed.enabled
          ? `Webhook to ${changed.url} enabled: it catches up from where each connection stands.`
          : `Webhook to ${changed.url} disabled: it receives nothing until enabled again.`,
      );
    } catch (reason) {
      setSwitchError(asApiError(reason));
    } finally {
      setSwitching(false);
    }
  }

  async function sendTest() {
    setPinging(true);
    setPing(undefined);
    setPingError(undefined);
    try {
      setPing(await api.pingWebhook(webhook.id));
    } catch (reason) {
      setPingError(asApiError(reason));
    } finally {
      setPinging(false);
    }
  }

  function replayed(cursor: WebhookCursor) {
    const others = webhook.cursors.filter((c) => c.connectionId !== cursor.connectionId);
    onChanged({ ...webhook, cursors: [...others, cursor] }, '');
  }

  // Replay can serve only the webhook's own connection when it has one.
  const replayConnections = webhook.connectionId
    ? connections.filter((c) => c.id === webhook.connectionId)
    : connections;
  const detailShown = showDeliveries || showReplay || showRotate || switchError || ping || pingError;
  return (
    <>
      <tr>
        <th scope="row">
          <code className="url" id={urlId}>
            {webhook.url}
          </code>
          {webhook.description && <p className="muted small webhook-description">{webhook.description}</p>}
        </th>
        <td>
          {webhook.connectionId ? (
            <Link href={connectionPath(webhook.connectionId)}>{connectionName(webhook.connectionId)}</Link>
          ) : (
            'All connections'
          )}
        </td>
        <td>{webhook.models ? <FeatureList features={webhook.models} /> : 'All'}</td>
        <td>
          <WebhookStatus webhook={webhook} connectionName={connectionName} />
        </td>
        <td>
          <div className="row-actions">
            <button
              type="button"
              className="small"
              onClick={switchOnOrOff}
              disabled={switching}
              aria-describedby={urlId}
            >
              {webhook.enabled ? 'Disable' : 'Enable'}
            </button>
            <button
              type="button"
              className="small"
              onClick={() => setShowDeliveries((shown) => !shown)}
              aria-expanded={showDeliveries}
              aria-controls={showDeliveries ? deliveriesId : undefined}
              aria-describedby={urlId}
            >
              Deliveries
            </button>
            <button
              type="button"
              className="small"
              onClick={() => setShowReplay((shown) => !shown)}
              aria-expanded={showReplay}
              aria-controls={showReplay ? replayId : undefined}
              aria-describedby={urlId}
            >
              Replay
            </button>
            <button type="button" className="small" onClick={sendTest} disabled={pinging} aria-describedby={urlId}>
              {pinging ? 'Sending…' : 'Send test'}
            </button>
            <button
              type="button"
              className="small"
              onClick={() => setShowRotate((shown) => !shown)}
              aria-expanded={showRotate}
              aria-controls={showRotate ? rotateId : undefined}
              aria-describedby={urlId}
            >
              Rotate secret
            </button>
            <RemoveRowButton
              name={`the webhook to ${webhook.url}`}
              describedBy={urlId}
              remove={() => api.removeWebhook(webhook.id)}
              onRemoved={() => onRemoved(webhook)}
            >
              tenantlink stops delivering to this endpoint and forgets its signing secret, how far each connection was
              delivered and its delivery log. What your endpoint already received stays there.
            </RemoveRowButton>
          </div>
        </td>
      </tr>
      {detailShown && (
        <tr className="row-detail">
          <td colSpan={WEBHOOK_COLUMNS}>
            <div className="row-detail-panels">
              {switchError && <ErrorNotice error={switchError} />}
              {pingError && <ErrorNotice error={pingError} />}
              {ping && (
                <p className={`notice ${ping.ok ? 'notice-ok' : 'notice-error'}`} role="status">
                  {ping.ok
                    ? `Test event delivered in ${ping.durationMs} ms.`
                    : `Test event ${ping.result} (after ${ping.durationMs} ms).`}
                </p>
              )}
              {showDeliveries && (
                <WebhookDeliveries webhook={webhook} id={deliveriesId} connectionName={connectionName} />
              )}
              {showReplay && (
                <ReplayWebhookForm
                  webhook={webhook}
                  connections={replayConnections}
                  id={replayId}
                  onReplayed={replayed}
                />
              )}
              {showRotate && (
                <RotateWebhookSecretForm
                  webhook={webhook}
                  id={rotateId}
                  onRotated={(rotated) => {
                    setShowRotate(false);
                    onRotated(rotated);
                  }}
                  onCancel={() => setShowRotate(false)}
                />
              )}
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
