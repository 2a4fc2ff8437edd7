import { useId } from 'react';
import { api, type Webhook } from '../api';
import { formatDateTime, formatMilliseconds } from '../display/format';
import { useLoad } from '../state/useLoad';
import { LoadedContent } from './LoadedContent';

const RECENT = 20;

interface WebhookDeliveriesProps {
  webhook: Webhook;
  /** The ID the row's Deliveries button controls. */
  id: string;
  connectionName: (id: string) => string;
}

/** A webhook's last delivery attempts, newest first. */
export function WebhookDeliveries({ webhook, id, connectionName }: WebhookDeliveriesProps) {
  const headingId = useId();
  const log = useLoad((signal) => api.listWebhookDeliveries(webhook.id, { limit: RECENT }, signal), [webhook.id]);

  return (
    <section className="connect-panel webhook-deliveries" id={id} aria-labelledby={headingId}>
      <div className="connect-panel-heading">
        <h3 id={headingId}>Last deliveries</h3>
        <button type="button" className="small" onClick={log.reload} disabled={log.loading}>
          Refresh
        </button>
      </div>
      <LoadedContent loaded={log} loading="Loading the deliveries…">
        {(deliveries) =>
          deliveries.length === 0 ? (
            <p className="muted">No delivery yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="deliveries" aria-labelledby={headingId}>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Connection</th>
                    <th scope="col">Range</th>
                    <th scope="col">Attempt</th>
                    <th scope="col">Result</th>
                    <th scope="col">Duration</th>
                  </tr>
                </thead>
                <tbody>
                  {deliveries.map((delivery) => (
                    <tr key={delivery.id}>
                      <td>{formatDateTime(delivery.attemptedAt)}</td>
                      <td>{connectionName(delivery.connectionId)}</td>
                      <td>
                        {delivery.fromSeq}–{delivery.toSeq}
                      </td>
                      <td>{delivery.attempt}</td>
                      <td>
                        <span className={delivery.status === 'succeeded' ? 'delivery-ok' : 'delivery-failed'}>
                          {delivery.statusCode !== null ? `HTTP ${delivery.statusCode}` : delivery.status}
                        </span>
                        {delivery.error && delivery.error !== `HTTP ${delivery.statusCode}` && (
                          <span className="delivery-error"> {delivery.error}</span>
                        )}
                      </td>
                      <td>{formatMilliseconds(delivery.durationMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadedContent>
    </section>
  );
}
