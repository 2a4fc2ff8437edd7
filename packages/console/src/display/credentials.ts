import type { AuthMode, Connection } from '../api';

/** The kinds of stored secret tenantlink knows (the API names them as plain strings). */
type SecretKind = 'client_secret' | 'certificate_key' | 'refresh_token';

/** The stored secret each way of signing in needs. */
const NEEDED: Record<AuthMode, SecretKind[]> = {
  secret: ['client_secret'],
  certificate: ['certificate_key'],
  delegated: ['refresh_token'],
  'multi-tenant': ['client_secret', 'certificate_key'],
};

const SECRET_LABELS: Record<SecretKind, string> = {
  client_secret: 'Client secret',
  certificate_key: 'Certificate and private key',
  refresh_token: 'Refresh token',
};

function isSecretKind(kind: string): kind is SecretKind {
  return kind in SECRET_LABELS;
}

/** What the connection signs in with, named for display: "Client secret", "Refresh token", ... */
export function credentialLabel(connection: Connection): string {
  const stored = storedCredential(connection)?.kind;
  return SECRET_LABELS[stored && isSecretKind(stored) ? stored : (NEEDED[connection.authMode][0] ?? 'client_secret')];
}

/** The stored secret the connection signs in with, if any. */
export function storedCredential(connection: Connection): Connection['secrets'][number] | undefined {
  const needed: readonly string[] = NEEDED[connection.authMode];
  return connection.secrets.find((secret) => needed.includes(secret.kind));
}
