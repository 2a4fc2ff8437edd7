interface FormActionsProps {
  /** The submit button's text, e.g. "Saving…" while busy. */
  submitLabel: string;
  disabled: boolean;
  /** Shows a Cancel button after the submit button. */
  onCancel?: () => void;
}

/** A form's buttons: the primary submit button, and Cancel where the form can be closed. */
export function FormActions({ submitLabel, disabled, onCancel }: FormActionsProps) {
  return (
    <div className="actions">
      <button type="submit" className="primary" disabled={disabled}>
        {submitLabel}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </div>
  );
}
