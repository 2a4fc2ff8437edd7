import { useEffect, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'failed';

interface CopyButtonProps {
  /** What is copied. */
  text: string;
  /** What it is, for the announcement: "Redirect URI" → "Redirect URI copied." */
  what: string;
  /** The ID of what names the copied thing, read out after "Copy" so buttons in a list can be told apart. */
  describedBy?: string | undefined;
  /** An icon instead of the word, named "Copy <what>" for screen readers; for tight places such as table cells. */
  compact?: boolean;
}

/** A small Copy button that copies to the clipboard and says whether it worked. */
export function CopyButton({ text, what, describedBy, compact = false }: CopyButtonProps) {
  const [state, setState] = useState<CopyState>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 2500);
    return () => window.clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      // No clipboard outside a secure context (plain http on a non-local address), or permission refused.
      setState('failed');
    }
  }

  return (
    <>
      {compact ? (
        <button
          type="button"
          className="small icon-button"
          onClick={copy}
          aria-describedby={describedBy}
          title={`Copy ${what}`}
        >
          {state === 'copied' ? <span aria-hidden="true">✓</span> : <CopyIcon />}
          <span className="visually-hidden">{`Copy ${what}`}</span>
        </button>
      ) : (
        <button type="button" className="small" onClick={copy} aria-describedby={describedBy}>
          {state === 'copied' ? 'Copied' : 'Copy'}
        </button>
      )}
      <span className={state === 'failed' ? 'copy-status' : 'visually-hidden'} role="status">
        {state === 'copied' && `${what} copied.`}
        {state === 'failed' && 'Copying is blocked here: select the text and copy it.'}
      </span>
    </>
  );
}

/** Two overlapping sheets: the usual copy icon, drawn here so it does not depend on the fonts installed. */
function CopyIcon() {
  return (
    <svg
      aria-hidden="true"
      width="14"
      height="14"
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
    >
      <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
      <path d="M10.5 3.5v-1a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h1" />
    </svg>
  );
}
