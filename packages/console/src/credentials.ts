import type { AuthMode, Connection, SecretKind } from './api';

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

/** What the connection signs in with, named for display: "Client secret", "Refresh token", ... */
export function credentialLabel(connection: Connection): string {
  const kind = storedCredential(connection)?.kind ?? NEEDED[connection.authMode][0] ?? 'client_secret';
  return SECRET_LABELS[kind];
}

/** The stored secret the connection signs in with, if any. */
export function storedCredential(connection: Connection): Connection['secrets'][number] | undefined {
  return connection.secrets.find((secret) => NEEDED[connection.authMode].includes(secret.kind));
}
