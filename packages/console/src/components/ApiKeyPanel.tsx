import type { RefObject } from 'react';
import type { CreatedApiKey } from '../api';
import { ShownOncePanel } from './ShownOncePanel';

interface ApiKeyPanelProps {
  created: CreatedApiKey;
  /** The panel's heading, which the page focuses when the panel appears. */
  headingRef: RefObject<HTMLHeadingElement | null>;
  onClose: () => void;
}

/** A new API key: the only time tenantlink shows it. */
export function ApiKeyPanel({ created, headingRef, onClose }: ApiKeyPanelProps) {
  return (
    <ShownOncePanel
      title="API key"
      secret={created.key}
      about={
        <>
          <strong>{created.apiKey.name}</strong>, scope {created.apiKey.scope}.
        </>
      }
      headingRef={headingRef}
      onClose={onClose}
    >
      <p className="muted">
        Copy it now: tenantlink shows it only once and keeps only its hash. Send it as{' '}
        <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
    </ShownOncePanel>
  );
}
