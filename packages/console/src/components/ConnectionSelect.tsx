import type { Connection } from '../api';

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
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      >
        {allowAll && <option value="">All connections</option>}
        {connections.map((connection) => (
          <option key={connection.id} value={connection.id}>
            {connection.name}
          </option>
        ))}
      </select>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
