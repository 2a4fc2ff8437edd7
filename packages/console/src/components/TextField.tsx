import type { InputHTMLAttributes, ReactNode } from 'react';
import { FieldNotes, fieldDescription } from './FieldNotes';

type TextFieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
};

/** A labelled input with its hint and its error, both read out with the field. */
export function TextField({ id, label, hint, error, ...input }: TextFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={fieldDescription({ id, hint, error })}
        {...input}
      />
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}
