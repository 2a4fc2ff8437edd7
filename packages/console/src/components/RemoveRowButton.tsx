import { type ReactNode, useRef } from 'react';
import { ConfirmRemoveDialog } from './ConfirmRemoveDialog';

interface RemoveRowButtonProps {
  /** What the dialog asks about: "Remove {name}?". */
  name: string;
  /** The ID of the row's name, read out after "Remove". */
  describedBy: string;
  remove: () => Promise<void>;
  onRemoved: () => void;
  /** What removing it does, in the dialog. */
  children: ReactNode;
  /** The word for it where "Remove" is not the right one: "Revoke". */
  verb?: string;
}

/** A table row's small "Remove" button, confirmed in a modal dialog. */
export function RemoveRowButton({ name, describedBy, remove, onRemoved, children, verb }: RemoveRowButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);

  return (
    <>
      <button
        type="button"
        className="danger small"
        onClick={() => dialog.current?.showModal()}
        aria-describedby={describedBy}
      >
        {verb ?? 'Remove'}
      </button>
      <ConfirmRemoveDialog dialogRef={dialog} name={name} remove={remove} onRemoved={onRemoved} verb={verb}>
        {children}
      </ConfirmRemoveDialog>
    </>
  );
}
