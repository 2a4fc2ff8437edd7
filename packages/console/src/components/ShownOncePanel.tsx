import { type ReactNode, type RefObject, useId } from 'react';
import { CopyButton } from './CopyButton';

interface ShownOncePanelProps {
  /** The heading, which also names the copied value: "Signing secret". */
  title: string;
  /** The secret: the server never answers it again. */
  secret: string;
  /** What it belongs to, above the secret. */
  about: ReactNode;
  /** The heading, which the page focuses when the panel appears. */
  headingRef: RefObject<HTMLHeadingElement | null>;
  onClose: () => void;
  /** What to do with it, below the secret. */
  children: ReactNode;
}

/** A secret tenantlink shows only once (a webhook's signing secret, a new API key), with Copy and Close. */
export function ShownOncePanel({ title, secret, about, headingRef, onClose, children }: ShownOncePanelProps) {
  const headingId = useId();
  return (
    <section className="panel shown-once" aria-labelledby={headingId}>
      <div className="panel-heading">
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      <p>{about}</p>
      <div className="copyable">
        <code className="secret">{secret}</code>
        <CopyButton text={secret} what={title} describedBy={headingId} />
      </div>
      {children}
    </section>
  );
}
