import { useId, useState } from 'react';
import { api, type Connection, type Webhook, type WebhookCursor } from '../api';
import { AdminForm } from './AdminForm';
import { ConnectionSelect } from './ConnectionSelect';
import { TextField } from './TextField';

interface ReplayWebhookFormProps {
  webhook: Webhook;
  /** The connections the webhook can be replayed for. */
  connections: Connection[];
  /** The ID of the panel, which the row's Replay action opens. */
  id: string;
  onReplayed: (cursor: WebhookCursor) => void;
  onClose: () => void;
}

/** Delivers a connection's feed to a webhook again, from a sequence number on. */
export function ReplayWebhookForm({ webhook, connections, id, onReplayed, onClose }: ReplayWebhookFormProps) {
  const headingId = useId();
  const fieldId = useId();
  const [connection, setConnection] = useState(
    () => webhook.cursors[0]?.connectionId ?? webhook.connectionId ?? connections[0]?.id ?? '',
  );
  const [since, setSince] = useState('0');
  const [sinceError, setSinceError] = useState<string>();
  const [done, setDone] = useState('');

  const cursor = webhook.cursors.find((c) => c.connectionId === connection);
  const connectionName = connections.find((c) => c.id === connection)?.name ?? connection;

  async function replay() {
    setDone('');
    const from = since.trim() === '' ? 0 : Number(since);
    if (!Number.isInteger(from) || from < 0) {
      setSinceError('Enter a whole number, 0 or more.');
      return;
    }
    setSinceError(undefined);
    onReplayed(await api.replayWebhook(webhook.id, { connection, since: from }));
    setDone(`Replay started: every change of ${connectionName} after ${from} is delivered again.`);
  }

  return (
    <section className="connect-panel" id={id} aria-labelledby={headingId}>
      <h3 id={headingId}>Replay deliveries</h3>
      {connections.length === 0 ? (
        <p className="muted">No connection to replay yet.</p>
      ) : (
        <AdminForm
          id={`${fieldId}-replay`}
          labelledBy={headingId}
          className="replay-form"
          submitLabel="Replay"
          onSubmit={replay}
          onCancel={onClose}
        >
          {() => (
            <>
              <ConnectionSelect
                id={`${fieldId}-connection`}
                label="Connection"
                value={connection}
                onChange={setConnection}
                connections={connections}
              />
              <TextField
                id={`${fieldId}-since`}
                label="From sequence"
                type="number"
                inputMode="numeric"
                min={0}
                step={1}
                max={cursor?.feedLastSeq}
                value={since}
                onChange={(event) => setSince(event.target.value)}
                hint={
                  <>
                    Delivers again every change after this sequence number.
                    {cursor && ` The feed is at ${cursor.feedLastSeq}; delivered up to ${cursor.lastSeq}.`}
                  </>
                }
                error={sinceError}
                autoComplete="off"
              />
              <p className="announcement" role="status">
                {done}
              </p>
            </>
          )}
        </AdminForm>
      )}
    </section>
  );
}
