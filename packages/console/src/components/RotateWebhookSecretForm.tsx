import { type FormEvent, useId, useState } from 'react';
import { api, type CreatedWebhook, type Webhook } from '../api';
import { useSubmit } from '../useSubmit';
import { ErrorNotice } from './ErrorNotice';
import { FormActions } from './FormActions';

const KEEP_CHOICES = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '24 hours' },
  { hours: 168, label: '7 days' },
  { hours: 0, label: 'Not at all: switch now' },
] as const;

interface RotateWebhookSecretFormProps {
  webhook: Webhook;
  /** The ID the row's Rotate secret button controls. */
  id: string;
  onRotated: (rotated: CreatedWebhook) => void;
  onCancel: () => void;
}

/** A new signing secret for a webhook; the old one may keep signing for a while, so the receiver can switch. */
export function RotateWebhookSecretForm({ webhook, id, onRotated, onCancel }: RotateWebhookSecretFormProps) {
  const headingId = useId();
  const selectId = useId();
  const [hours, setHours] = useState(24);
  const { busy, error, submit } = useSubmit();

  async function rotate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await submit(async () => onRotated(await api.rotateWebhookSecret(webhook.id, hours)));
  }

  return (
    <section className="connect-panel" id={id} aria-labelledby={headingId}>
      <h3 id={headingId}>Rotate signing secret</h3>
      <form className="stack" onSubmit={rotate} noValidate aria-labelledby={headingId}>
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
        {error && <ErrorNotice error={error} />}
        <FormActions submitLabel={busy ? 'Rotating…' : 'Make new secret'} disabled={busy} onCancel={onCancel} />
      </form>
    </section>
  );
}
