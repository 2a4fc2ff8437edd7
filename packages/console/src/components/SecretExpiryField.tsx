import { TextField } from './TextField';

interface SecretExpiryFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  /** Who warns ahead of the date. */
  warned?: string;
}

/** The optional expiry date of a client secret, as the portal's Expires column shows it. */
export function SecretExpiryField({
  id,
  label,
  value,
  onChange,
  error,
  warned = 'tenantlink',
}: SecretExpiryFieldProps) {
  return (
    <TextField
      id={id}
      label={label}
      type="date"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      hint={`Optional. The Expires column in Certificates & secrets; ${warned} warns 30 days ahead.`}
      error={error}
    />
  );
}
