import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { Directory } from './directory.js';
import { sha256Base64, UnknownPermissionError } from './directory.js';
import { applicationPermission, delegatedPermission } from './graph-permissions.js';
import {
  type Application,
  type KeyCredential,
  MICROSOFT_GRAPH_APP_ID,
  type PasswordCredential,
  type ResourceAccess,
  type SignInAudience,
  type Tenant,
} from './model.js';

export interface NewApplication {
  displayName: string;
  signInAudience?: SignInAudience;
  redirectUris?: { web?: string[]; publicClient?: string[]; spa?: string[] };
  allowPublicClient?: boolean;
  requiredPermissions?: { application?: string[]; delegated?: string[] };
  /** Grant the required permissions in the home tenant at once ("Grant admin consent for <tenant>"). */
  grantAdminConsent?: boolean;
  /** Add a client secret; its value is returned once. */
  secret?: { expiresInDays?: number; displayName?: string };
}

export interface CreatedSecret {
  keyId: string;
  displayName: string | null;
  hint: string;
  value: string;
  startDateTime: string;
  endDateTime: string;
}

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-';

/** A secret value shaped like Entra's: 40 characters, a `Q~` after the three-character hint and a digit. */
function secretValue(): string {
  const bytes = randomBytes(40);
  const pick = (i: number) => SECRET_ALPHABET[bytes[i]! % SECRET_ALPHABET.length];
  let head = '';
  for (let i = 0; i < 3; i++) head += pick(i);
  let tail = '';
  for (let i = 3; i < 37; i++) tail += pick(i);
  return `${head}${bytes[39]! % 10}Q~${tail}`;
}

export function requiredResourceAccess(permissions: NewApplication['requiredPermissions']) {
  const access: ResourceAccess[] = [];
  for (const name of permissions?.application ?? []) {
    const p = applicationPermission(name);
    if (!p) throw new UnknownPermissionError(name, 'application');
    access.push({ id: p.id, type: 'Role' });
  }
  for (const name of permissions?.delegated ?? []) {
    const p = delegatedPermission(name);
    if (!p) throw new UnknownPermissionError(name, 'delegated');
    access.push({ id: p.id, type: 'Scope' });
  }
  return access.length > 0 ? [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: access }] : [];
}

/** Registers an application in its home tenant with its service principal, as the portal's "New registration" does. */
export function createApplication(directory: Directory, tenant: Tenant, input: NewApplication) {
  const now = directory.clock.iso();
  const application: Application = {
    id: randomUUID(),
    appId: randomUUID(),
    displayName: input.displayName,
    signInAudience: input.signInAudience ?? 'AzureADMyOrg',
    homeTenantId: tenant.id,
    web: { redirectUris: input.redirectUris?.web ?? [] },
    publicClient: { redirectUris: input.redirectUris?.publicClient ?? [] },
    spa: { redirectUris: input.redirectUris?.spa ?? [] },
    isFallbackPublicClient: input.allowPublicClient ?? false,
    passwordCredentials: [],
    keyCredentials: [],
    requiredResourceAccess: requiredResourceAccess(input.requiredPermissions),
    createdDateTime: now,
  };
  tenant.applications.set(application.appId, application);
  const sp = directory.ensureServicePrincipal(tenant, application, tenant);
  if (input.grantAdminConsent) {
    directory.grantApplicationPermissions(tenant, sp, input.requiredPermissions?.application ?? []);
    const delegated = input.requiredPermissions?.delegated ?? [];
    if (delegated.length > 0) directory.grantDelegatedPermissions(tenant, sp, delegated, null);
  }
  const secret = input.secret ? addSecret(directory, application, input.secret) : undefined;
  return { application, servicePrincipal: sp, secret };
}

/** Adds a client secret ("Certificates & secrets" → "New client secret"); negative days make an expired one. */
export function addSecret(
  directory: Directory,
  application: Application,
  options: { expiresInDays?: number; displayName?: string },
): CreatedSecret {
  const value = secretValue();
  const days = options.expiresInDays ?? 180;
  const start = days < 0 ? directory.clock.iso((days - 30) * 86_400_000) : directory.clock.iso();
  const credential: PasswordCredential = {
    keyId: randomUUID(),
    displayName: options.displayName ?? null,
    hint: value.slice(0, 3),
    valueSha256: sha256Base64(value),
    startDateTime: start,
    endDateTime: directory.clock.iso(days * 86_400_000),
  };
  application.passwordCredentials.push(credential);
  const { valueSha256: _hash, ...visible } = credential;
  return { ...visible, value };
}

export class InvalidCertificateError extends Error {}

/** Uploads the public certificate of a key pair ("Certificates & secrets" → "Upload certificate"). */
export function addCertificate(application: Application, pem: string, displayName?: string): KeyCredential {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new InvalidCertificateError('pem is not a PEM-encoded X.509 certificate');
  }
  const sha1 = createHash('sha1').update(cert.raw).digest();
  const credential: KeyCredential = {
    keyId: randomUUID(),
    displayName: displayName ?? cert.subject.replace(/\n/g, ', '),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    customKeyIdentifier: sha1.toString('base64'),
    x5t: sha1.toString('base64url'),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
    certificatePem: cert.toString(),
    startDateTime: new Date(cert.validFrom).toISOString(),
    endDateTime: new Date(cert.validTo).toISOString(),
  };
  application.keyCredentials.push(credential);
  return credential;
}

/** The hex SHA-1 thumbprint the portal shows for a certificate. */
export function thumbprintHex(credential: KeyCredential): string {
  return Buffer.from(credential.customKeyIdentifier, 'base64').toString('hex').toUpperCase();
}
