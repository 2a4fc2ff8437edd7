import { useId } from 'react';
import { CopyButton } from './CopyButton';

/** A titled block of code to paste elsewhere, with a Copy button. */
export function CodeBlock({ title, code }: { title: string; code: string }) {
  const headingId = useId();
  return (
    <section className="code-block" aria-labelledby={headingId}>
      <div className="code-block-bar">
        <h4 id={headingId}>{title}</h4>
        <CopyButton text={code} what={title} describedBy={headingId} />
      </div>
      <pre>
        <code>{code}</code>
      </pre>
    </section>
  );
}
