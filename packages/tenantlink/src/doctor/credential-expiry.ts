import { X509Certificate } from 'node:crypto';
import type { ClientCredential } from '../auth/client-credential-provider.js';
import type { GraphClient } from '../graph/client.js';
import type { Finding } from './findings.js';

/** A credential that expires within this many days gets a warning. */
export const EXPIRES_SOON_DAYS = 30;
const DAY_MS = 86_400_000;

/** Permissions that let an app read its own registration, and so when its secrets expire. */
export const CAN_READ_REGISTRATION = [
  'Application.Read.All',
  'Application.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];

/** When a PEM certificate stops being valid, read from the certificate itself. */
export function certificateExpiry(certificatePem: string): Date | undefined {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certificatePem)?.[0];
  if (!block) return undefined;
  try {
    return new Date(new X509Certificate(block).validTo);
  } catch {
    return undefined;
  }
}

/**
 * When the secret in use expires, read from the app's registration in the tenant: Entra shows the first three
 * characters of each secret as its `hint`. Undefined when the registration is not readable or nothing matches.
 */
export async function registeredSecretExpiry(
  graph: GraphClient,
  clientId: string,
  clientSecret: string,
): Promise<Date | undefined> {
  const page = await graph.get<{ value: { passwordCredentials?: { hint?: string; endDateTime?: string }[] }[] }>(
    '/applications',
    {
      query: { $filter: `appId eq '${clientId.replace(/'/g, "''")}'` },
      select: ['passwordCredentials'],
      permission: 'Application.Read.All',
    },
  );
  const ends = (page.value[0]?.passwordCredentials ?? [])
    .filter((c) => c.hint !== undefined && clientSecret.startsWith(c.hint) && c.endDateTime)
    .map((c) => Date.parse(c.endDateTime!))
    .filter((t) => !Number.isNaN(t));
  // Two secrets can share a hint; the later expiry is the optimistic reading, so a warning is never a false alarm.
  return ends.length > 0 ? new Date(Math.max(...ends)) : undefined;
}

/** SECRET_EXPIRES_SOON when a credential ends within EXPIRES_SOON_DAYS; nothing otherwise. */
export function expiryFinding(
  credential: ClientCredential | 'client secret',
  expiresAt: Date,
  now: Date,
  source: string,
): Finding | undefined {
  const days = Math.floor((expiresAt.getTime() - now.getTime()) / DAY_MS);
  if (days >= EXPIRES_SOON_DAYS || expiresAt.getTime() <= now.getTime()) return undefined;
  const isCertificate = typeof credential === 'object' && 'certificate' in credential;
  const what = isCertificate ? 'certificate' : 'client secret';
  const when = `${expiresAt.toISOString().slice(0, 10)} (${days === 0 ? 'today' : `in ${days} day${days === 1 ? '' : 's'}`})`;
  return {
    code: 'SECRET_EXPIRES_SOON',
    severity: 'warning',
    feature: null,
    message: `The ${what} expires on ${when}, ${source}; after that every token request fails.`,
    fix: isCertificate
      ? 'In App registrations > this app > Certificates & secrets > Certificates, upload a new certificate, then update the connection with it (tenantlink connections set-credential) before the old one expires.'
      : 'In App registrations > this app > Certificates & secrets, select New client secret, copy its Value, and update the connection with it (tenantlink connections set-credential) before the old one expires.',
  };
}
