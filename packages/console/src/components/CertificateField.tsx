import { FieldNotes, fieldDescription } from './FieldNotes';

interface CertificateFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}

/** The PEM input for a certificate and its private key, pasted together. */
export function CertificateField({ id, label, value, onChange, error }: CertificateFieldProps) {
  const hint = (
    <>
      Paste the -----BEGIN CERTIFICATE----- block followed by its -----BEGIN PRIVATE KEY----- block. Upload the
      certificate alone (.cer, .pem or .crt) in Certificates &amp; secrets.
    </>
  );
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        rows={8}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={fieldDescription({ id, hint, error })}
      />
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}
