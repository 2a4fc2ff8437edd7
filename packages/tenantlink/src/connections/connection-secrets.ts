import { certificateCredential } from '../auth/certificate-credential.js';
import type { RefreshTokenStore } from '../auth/delegated-refresh-token-provider.js';
import type { TokenCacheStore } from '../auth/token-cache-plugin.js';
import { TenantlinkError } from '../errors.js';
import type { StoredConnection } from '../store/connections-repository.js';
import type { SecretKind } from '../store/schema.js';
import type { SecretsRepository } from '../store/secrets-repository.js';
import { looksLikeSecretId } from './model.js';
import { secretContext, type Vault } from './vault.js';

/** How a connection proves who it is. Never stored in the connection itself; the vault encrypts it. */
export type ConnectionCredential =
  | { clientSecret: string }
  | { certificate: { certificatePem: string; privateKeyPem?: string } }
  /** Delegated: the refresh token from a sign-in, and the web app's own credential when it is a confidential app. */
  | { refreshToken: string; clientCredential?: { clientSecret: string } };

/** An application connection's decrypted credential. */
export type AppCredential =
  | { clientSecret: string }
  | { certificate: { certificatePem: string; privateKeyPem?: string } };

/** A connection's secrets, each encrypted by the vault and bound to the connection and its kind. */
export class ConnectionSecrets {
  constructor(
    private readonly secrets: SecretsRepository,
    private readonly vault: Vault,
  ) {}

  async put(connectionId: string, kind: SecretKind, plaintext: string): Promise<void> {
    const ciphertext = this.vault.encrypt(plaintext, secretContext(connectionId, kind));
    await this.secrets.put(connectionId, kind, { ciphertext, keyId: this.vault.keyIdOf(ciphertext) });
  }

  async get(connectionId: string, kind: SecretKind): Promise<string | null> {
    const stored = await this.secrets.get(connectionId, kind);
    return stored ? this.vault.decrypt(stored.ciphertext, secretContext(connectionId, kind)) : null;
  }

  /** One secret as the store MSAL's cache and the refresh-token provider read and write. */
  store(connectionId: string, kind: SecretKind): TokenCacheStore & RefreshTokenStore {
    return {
      load: () => this.get(connectionId, kind),
      get: () => this.get(connectionId, kind),
      save: (value) => this.put(connectionId, kind, value),
      set: (value) => this.put(connectionId, kind, value),
    };
  }

  /** The decrypted certificate or client secret of an application connection. */
  async appCredential(stored: StoredConnection): Promise<AppCredential> {
    const certificate = await this.get(stored.id, 'certificate_key');
    if (certificate)
      return { certificate: JSON.parse(certificate) as { certificatePem: string; privateKeyPem?: string } };
    const clientSecret = await this.get(stored.id, 'client_secret');
    if (clientSecret) return { clientSecret };
    throw new TenantlinkError('CREDENTIAL_MISSING', `Connection '${stored.name}' has no stored credential.`, {
      diagnosis: {
        meaning: 'Its secret or certificate was removed, or adding it did not finish.',
        fix: 'Remove the connection and add it again with its client secret or certificate.',
      },
    });
  }
}

/** The secrets a credential is stored as, checked first (a Secret ID, an empty value, a key that does not fit). */
export function credentialSecrets(credential: ConnectionCredential): Map<SecretKind, string> {
  const secrets = new Map<SecretKind, string>();
  if ('clientSecret' in credential) {
    checkClientSecret(credential.clientSecret);
    secrets.set('client_secret', credential.clientSecret.trim());
  } else if ('certificate' in credential) {
    // Fails early, naming the problem, when the key does not belong to the certificate.
    certificateCredential(credential.certificate);
    secrets.set('certificate_key', JSON.stringify(credential.certificate));
  } else {
    if (!credential.refreshToken.trim()) throw new TenantlinkError('INVALID_INPUT', 'The refresh token is empty.');
    secrets.set('refresh_token', credential.refreshToken.trim());
    if (credential.clientCredential) {
      checkClientSecret(credential.clientCredential.clientSecret);
      secrets.set('client_secret', credential.clientCredential.clientSecret.trim());
    }
  }
  return secrets;
}

/** Refuses values that cannot be a client secret before anything is stored, naming the usual mistake. */
export function checkClientSecret(secret: string): void {
  if (!secret.trim()) throw new TenantlinkError('INVALID_INPUT', 'The client secret is empty.');
  if (looksLikeSecretId(secret))
    throw new TenantlinkError('SECRET_IS_SECRET_ID', 'The client secret given is a GUID: that is the Secret ID.', {
      diagnosis: {
        meaning: 'Certificates & secrets shows two columns for a client secret; the Secret ID is not the secret.',
        fix:
          'Copy the Value column (shown only once, right after "New client secret"); if it is no longer shown, add a ' +
          'new client secret and copy its Value.',
      },
    });
}
