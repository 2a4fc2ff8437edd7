import type { RefObject } from 'react';
import type { CreatedWebhook } from '../api';
import { formatDateTime } from '../display/format';
import { ShownOncePanel } from './ShownOncePanel';

interface WebhookSecretPanelProps {
  created: CreatedWebhook;
  /** The panel's heading, which the page focuses when the panel appears. */
  headingRef: RefObject<HTMLHeadingElement | null>;
  onClose: () => void;
}

/** The signing secret of a webhook just added or rotated: the only time tenantlink shows it. */
export function WebhookSecretPanel({ created, headingRef, onClose }: WebhookSecretPanelProps) {
  return (
    <ShownOncePanel
      title="Signing secret"
      secret={created.secret}
      about={
        <>
          For <code className="url">{created.webhook.url}</code>.
        </>
      }
      headingRef={headingRef}
      onClose={onClose}
    >
      <p className="muted">
        Copy it now: tenantlink shows it only once. Your endpoint checks the tenantlink-signature header with it.
      </p>
      {created.webhook.previousSecretExpiresAt && (
        <p>
          Until {formatDateTime(created.webhook.previousSecretExpiresAt)}, each delivery is signed with the old secret
          as well: switch your endpoint to this one before then.
        </p>
      )}
    </ShownOncePanel>
  );
}
