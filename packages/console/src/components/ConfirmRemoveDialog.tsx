import { type ReactNode, type RefObject, useId } from 'react';
import { useSubmit } from '../state/useSubmit';
import { ErrorNotice } from './ErrorNotice';

interface ConfirmRemoveDialogProps {
  /** The dialog; the button that asks to remove opens it with `showModal()`. */
  dialogRef: RefObject<HTMLDialogElement | null>;
  /** What is removed, as named in the heading. */
  name: string;
  /** What removing it does. */
  children: ReactNode;
  remove: () => Promise<void>;
  onRemoved: () => void;
  /** The word for it where "Remove" is not the right one: "Revoke". */
  verb?: string;
}

/** The modal dialog that confirms a removal: "Remove <name>?", with Cancel and Yes, remove. */
export function ConfirmRemoveDialog({
  dialogRef,
  name,
  children,
  remove,
  onRemoved,
  verb = 'Remove',
}: ConfirmRemoveDialogProps) {
  const headingId = useId();
  const removal = useSubmit();

  function confirm() {
    return removal.submit(async () => {
      await remove();
      dialogRef.current?.close();
      onRemoved();
    });
  }

  return (
    <dialog ref={dialogRef} aria-labelledby={headingId} onClose={removal.clearError}>
      <h2 id={headingId}>
        {verb} {name}?
      </h2>
      <p>{children}</p>
      {removal.error && <ErrorNotice error={removal.error} />}
      <div className="actions">
        {/* Cancel comes first, so the dialog opens with focus on the harmless choice. */}
        <button type="button" onClick={() => dialogRef.current?.close()}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={confirm} disabled={removal.busy}>
          Yes, {verb.toLowerCase()}
        </button>
      </div>
    </dialog>
  );
}
