import type { Connection } from '../api';
import { FieldNotes, fieldDescription } from './FieldNotes';

interface ConnectionSelectProps {
  id: string;
  label: string;
  hint?: string;
  /** A connection's ID, or '' for the "All connections" option. */
  value: string;
  onChange: (value: string) => void;
  connections: Connection[];
  /** Offers "All connections" first, with the value ''. */
  allowAll?: boolean;
  error?: string | undefined;
}

/** A labelled choice of connection by name, with its hint and its error. */
export function ConnectionSelect({
  id,
  label,
  hint,
  value,
  onChange,
  connections,
  allowAll = false,
  error,
}: ConnectionSelectProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={fieldDescription({ id, hint, error })}
      >
        {allowAll && <option value="">All connections</option>}
        {connections.map((connection) => (
          <option key={connection.id} value={connection.id}>
            {connection.name}
          </option>
        ))}
      </select>
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}
