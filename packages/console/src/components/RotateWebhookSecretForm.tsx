import { useId, useState } from 'react';
import { api, type CreatedWebhook, type Webhook } from '../api';
import { AdminForm } from './AdminForm';

const KEEP_CHOICES = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '24 hours' },
  { hours: 168, label: '7 days' },
  { hours: 0, label: 'Not at all: switch now' },
] as const;

interface RotateWebhookSecretFormProps {
  webhook: Webhook;
  /** The ID of the panel, which the row's Rotate secret action opens. */
  id: string;
  onRotated: (rotated: CreatedWebhook) => void;
  onCancel: () => void;
}

/** A new signing secret for a webhook; the old one may keep signing for a while, so the receiver can switch. */
export function RotateWebhookSecretForm({ webhook, id, onRotated, onCancel }: RotateWebhookSecretFormProps) {
  const headingId = useId();
  const selectId = useId();
  const [hours, setHours] = useState(24);

  return (
    <section className="connect-panel" id={id} aria-labelledby={headingId}>
      <h3 id={headingId}>Rotate signing secret</h3>
      <AdminForm
        id={`${id}-form`}
        labelledBy={headingId}
        submitLabel="Make new secret"
        busyLabel="Rotating…"
        onSubmit={async () => onRotated(await api.rotateWebhookSecret(webhook.id, hours))}
        onCancel={onCancel}
      >
        {() => (
          <div className="field">
            <label htmlFor={selectId}>Old secret still signs for</label>
            <select id={selectId} value={hours} onChange={(e) => setHours(Number(e.target.value))}>
              {KEEP_CHOICES.map((choice) => (
                <option key={choice.hours} value={choice.hours}>
                  {choice.label}
                </option>
              ))}
            </select>
            <p className="hint">
              Each delivery carries a signature with each secret until then, so your endpoint can move to the new secret
              without rejecting a delivery.
            </p>
          </div>
        )}
      </AdminForm>
    </section>
  );
}
