import { useEffect, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'failed';

interface CopyButtonProps {
  /** What is copied. */
  text: string;
  /** What it is, for the announcement: "Redirect URI" → "Redirect URI copied." */
  what: string;
  /** The ID of what names the copied thing, read out after "Copy" so buttons in a list can be told apart. */
  describedBy?: string | undefined;
}

/** A small Copy button that copies to the clipboard and says whether it worked. */
export function CopyButton({ text, what, describedBy }: CopyButtonProps) {
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
      <button type="button" className="small" onClick={copy} aria-describedby={describedBy}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className={state === 'failed' ? 'copy-status' : 'visually-hidden'} role="status">
        {state === 'copied' && `${what} copied.`}
        {state === 'failed' && 'Copying is blocked here: select the text and copy it.'}
      </span>
    </>
  );
}
