import { type FormEvent, useId, useState } from 'react';
import { type ApiError, api, asApiError, type Connection, type Webhook, type WebhookCursor } from '../api';
import { ConnectionSelect } from './ConnectionSelect';
import { ErrorNotice } from './ErrorNotice';
import { FormActions } from './FormActions';
import { TextField } from './TextField';

interface ReplayWebhookFormProps {
  webhook: Webhook;
  /** The connections the webhook can be replayed for. */
  connections: Connection[];
  /** The ID the row's Replay button controls. */
  id: string;
  onReplayed: (cursor: WebhookCursor) => void;
}

/** Delivers a connection's feed to a webhook again, from a sequence number on. */
export function ReplayWebhookForm({ webhook, connections, id, onReplayed }: ReplayWebhookFormProps) {
  const headingId = useId();
  const fieldId = useId();
  const [connection, setConnection] = useState(
    () => webhook.cursors[0]?.connectionId ?? webhook.connectionId ?? connections[0]?.id ?? '',
  );
  const [since, setSince] = useState('0');
  const [sinceError, setSinceError] = useState<string>();
  const [done, setDone] = useState('');
  const [replaying, setReplaying] = useState(false);
  const [error, setError] = useState<ApiError>();

  const cursor = webhook.cursors.find((c) => c.connectionId === connection);
  const connectionName = connections.find((c) => c.id === connection)?.name ?? connection;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone('');
    const from = since.trim() === '' ? 0 : Number(since);
    if (!Number.isInteger(from) || from < 0) {
      setSinceError('Enter a whole number, 0 or more.');
      return;
    }
    setSinceError(undefined);
    setReplaying(true);
    setError(undefined);
    try {
      onReplayed(await api.replayWebhook(webhook.id, { connection, since: from }));
      setDone(`Replay started: every change of ${connectionName} after ${from} is delivered again.`);
    } catch (reason) {
      setError(asApiError(reason));
    } finally {
      setReplaying(false);
    }
  }

  return (
    <section className="connect-panel" id={id} aria-labelledby={headingId}>
      <h3 id={headingId}>Replay deliveries</h3>
      {connections.length === 0 ? (
        <p className="muted">No connection to replay yet.</p>
      ) : (
        <form
          className="stack replay-form"
          onSubmit={submit}
          noValidate
          aria-labelledby={headingId}
          aria-describedby={error ? `${fieldId}-replay-error` : undefined}
        >
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
          {error && (
            <div id={`${fieldId}-replay-error`}>
              <ErrorNotice error={error} />
            </div>
          )}
          <FormActions submitLabel="Replay" disabled={replaying} />
          <p className="announcement" role="status">
            {done}
          </p>
        </form>
      )}
    </section>
  );
}
