import { useEffect, useId, useRef } from 'react';
import type { ConnectLink } from '../api';
import { formatDateTime } from '../display/format';
import { CopyButton } from './CopyButton';

interface ConnectLinkPanelProps {
  link: ConnectLink;
  integrationName: string;
  onClose: () => void;
}

/** A one-time connect link to send a customer's admin, with Copy and when it stops working. */
export function ConnectLinkPanel({ link, integrationName, onClose }: ConnectLinkPanelProps) {
  const headingId = useId();
  const urlId = useId();
  const heading = useRef<HTMLHeadingElement>(null);

  // The panel appears at the press of Create connect link: move there so the link is read out and Tab reaches Copy.
  useEffect(() => heading.current?.focus(), []);

  return (
    <section className="connect-panel" aria-labelledby={headingId}>
      <div className="connect-panel-heading">
        <h3 id={headingId} ref={heading} tabIndex={-1}>
          Connect link for {integrationName}
        </h3>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted">
        Send it to the customer's admin. It works once, until {formatDateTime(link.expiresAt)}; then create another.
      </p>
      <div className="copyable">
        <code id={urlId}>{link.url}</code>
        <CopyButton text={link.url} what="Connect link" describedBy={urlId} />
      </div>
    </section>
  );
}
