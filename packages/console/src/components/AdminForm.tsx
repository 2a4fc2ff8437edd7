import type { FormEvent, ReactNode } from 'react';
import type { ErrorDetail } from '../api';
import type { FieldErrors } from '../display/fieldErrors';
import { useSubmit } from '../state/useSubmit';
import { ErrorNotice } from './ErrorNotice';
import { FormActions } from './FormActions';

interface AdminFormProps<F extends string> {
  /** Starts the IDs of the form's parts: its error notice is `<id>-error`. */
  id: string;
  /** The ID of the heading that names the form, or … */
  labelledBy?: string;
  /** … its name when no heading shows it. */
  label?: string;
  /** Sorts the API's validation details into those shown beside a field and the rest, shown in the notice. */
  fieldErrors?: (details: ErrorDetail[]) => FieldErrors<F>;
  /** The field a 409 (a name already taken) is shown beside. */
  conflictField?: NoInfer<F>;
  submitLabel: string;
  /** The submit button's text while the write runs: "Saving…". */
  busyLabel?: string;
  /** False until the form can be sent (a value is entered). */
  ready?: boolean;
  /** The write; a failure is shown in the notice, or beside its fields. */
  onSubmit: () => Promise<void>;
  onCancel?: () => void;
  className?: string;
  /** The fields, given the error to show beside each. */
  children: (errors: Partial<Record<F, string>>) => ReactNode;
}

/**
 * A form that writes to the API: its fields with their errors from the API's answer, the error notice with what no
 * field shows, and the submit button (disabled while the write runs) with Cancel where the form can be closed.
 */
export function AdminForm<F extends string = never>({
  id,
  labelledBy,
  label,
  fieldErrors,
  conflictField,
  submitLabel,
  busyLabel,
  ready = true,
  onSubmit,
  onCancel,
  className,
  children,
}: AdminFormProps<F>) {
  const { busy, error, submit } = useSubmit();
  const details = error?.details ?? [];
  const { byField, other }: FieldErrors<F> = fieldErrors?.(details) ?? { byField: {}, other: details };
  // A taken name is a 409 without details; it belongs beside the name all the same.
  if (conflictField && error?.status === 409 && !byField[conflictField]) byField[conflictField] = error.message;

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await submit(onSubmit);
  }

  return (
    <form
      className={['stack', className].filter(Boolean).join(' ')}
      onSubmit={send}
      noValidate
      aria-labelledby={labelledBy}
      aria-label={label}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      {children(byField)}
      {error && (
        <div id={`${id}-error`}>
          <ErrorNotice error={error} details={other} />
        </div>
      )}
      <FormActions
        submitLabel={busy && busyLabel ? busyLabel : submitLabel}
        disabled={busy || !ready}
        onCancel={onCancel}
      />
    </form>
  );
}
