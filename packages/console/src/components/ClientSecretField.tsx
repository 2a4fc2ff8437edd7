import { looksLikeSecretId } from '../display/secrets';

interface ClientSecretFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}

/** The secret Value input, which warns while typing when a Secret ID was pasted instead, the commonest mistake. */
export function ClientSecretField({ id, label, value, onChange, error }: ClientSecretFieldProps) {
  const secretId = looksLikeSecretId(value);
  const described = [`${id}-hint`, secretId && `${id}-warning`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
      />
      <p className="hint" id={`${id}-hint`}>
        Paste the secret's Value, not the Secret ID. The Value is shown only once, right after you create the secret in
        Certificates &amp; secrets.
      </p>
      <div aria-live="polite">
        {secretId && (
          <p className="field-warning" id={`${id}-warning`}>
            This looks like a Secret ID (a GUID). Copy the Value column instead.
          </p>
        )}
      </div>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
