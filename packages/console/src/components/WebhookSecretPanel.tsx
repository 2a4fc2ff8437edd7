import { type RefObject, useId } from 'react';
import type { CreatedWebhook } from '../api';
import { formatDateTime } from '../format';
import { CopyButton } from './CopyButton';

interface WebhookSecretPanelProps {
  created: CreatedWebhook;
  /** The panel's heading, which the page focuses when the panel appears. */
  headingRef: RefObject<HTMLHeadingElement | null>;
  onClose: () => void;
}

/** The signing secret of a webhook just added or rotated: the only time tenantlink shows it. */
export function WebhookSecretPanel({ created, headingRef, onClose }: WebhookSecretPanelProps) {
  const headingId = useId();
  return (
    <section className="panel webhook-secret" aria-labelledby={headingId}>
      <div className="panel-heading">
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          Signing secret
        </h2>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      <p>
        For <code className="url">{created.webhook.url}</code>.
      </p>
      <div className="copyable">
        <code className="secret">{created.secret}</code>
        <CopyButton text={created.secret} what="Signing secret" describedBy={headingId} />
      </div>
      <p className="muted">
        Copy it now: tenantlink shows it only once. Your endpoint checks the tenantlink-signature header with it.
      </p>
      {created.webhook.previousSecretExpiresAt && (
        <p>
          Until {formatDateTime(created.webhook.previousSecretExpiresAt)}, each delivery is signed with the old secret
          as well: switch your endpoint to this one before then.
        </p>
      )}
    </section>
  );
}
