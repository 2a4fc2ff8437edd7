import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TenantlinkError } from '../errors.js';
import { defaultSecretRegistry, type SecretRegistry } from '../logging/index.js';
import type { Keyring } from './keyring.js';

/**
 * Encrypts secrets at rest with AES-256-GCM. An envelope is `v1.<keyId>.<nonce>.<ciphertext>.<tag>` (base64url parts):
 * the key id says which master key decrypts it, and the context (`connection:<id>:<kind>`) is bound as additional
 * authenticated data, so an envelope copied to another connection or another kind of secret does not decrypt.
 */

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** The context a stored secret is bound to: the connection it belongs to and what it is. */
export function secretContext(connectionId: string, kind: string): string {
  return `connection:${connectionId}:${kind}`;
}

/** The context of an integration's client secret (the vendor's own app registration). */
export function integrationSecretContext(integrationId: string): string {
  return `integration:${integrationId}:client_secret`;
}

/** The context of a webhook endpoint's signing secret. */
export function webhookSecretContext(endpointId: string): string {
  return `webhook:${endpointId}:secret`;
}

/** The secret an endpoint had before its last rotation, kept for a while (bound apart, so the two never swap). */
export function webhookPreviousSecretContext(endpointId: string): string {
  return `webhook:${endpointId}:previous-secret`;
}

/** The context of a webhook URL kept whole because its query string may carry a secret (`?token=…`). */
export function webhookUrlContext(endpointId: string): string {
  return `webhook:${endpointId}:url`;
}

/** The context of a change-notification subscription's client state (the secret Graph echoes in each notification). */
export function subscriptionClientStateContext(subscriptionId: string): string {
  return `subscription:${subscriptionId}:client-state`;
}

/** The context of a connect flow's secrets (PKCE verifier, nonce, ...), by the hash that names the flow. */
export function connectFlowContext(flowIdHash: string): string {
  return `connect-flow:${flowIdHash}:payload`;
}

/** One stored secret, as the store hands it to a rotation. */
export interface StoredSecretRow {
  /** The connection it belongs to (or, for secrets outside the secrets table, the integration or flow). */
  connectionId: string;
  /** What the secret is: client_secret, certificate_key, refresh_token, token_cache, integration_secret, ... */
  kind: string;
  ciphertext: string;
  keyId: string;
  /** The context it was encrypted with, when it is not `secretContext(connectionId, kind)`. */
  context?: string;
}

/** What the store writes back for a row: the new envelope and the id of the key that made it. */
export interface ReencryptedSecret {
  ciphertext: string;
  keyId: string;
}

/** Called by the store for each row; resolves to the replacement, or undefined to leave the row as it is. */
export type VisitStoredSecret = (row: StoredSecretRow) => Promise<ReencryptedSecret | undefined>;

/**
 * Provided by the store: visits every stored secret (in pages, any order), awaiting `visit` for each row, and writes
 * back each replacement with a compare-and-swap on the old ciphertext (`... WHERE connection_id = ? AND kind = ? AND
 * ciphertext = <row.ciphertext>`), so a secret written meanwhile (already under the new key) is not overwritten.
 */
export type ForEachSecret = (visit: VisitStoredSecret) => Promise<void>;

export interface ReencryptionReport {
  primaryKeyId: string;
  visited: number;
  reencrypted: number;
  alreadyCurrent: number;
  /** Rows that could not be decrypted (they were already unreadable); left untouched. */
  failed: Array<{ connectionId: string; kind: string; code: string }>;
}

export interface RotationReport extends ReencryptionReport {
  previousPrimaryKeyId: string;
}

export interface RetirementReport {
  /** Keys removed from the key file. */
  retired: string[];
  /** Keys from TENANTLINK_MASTER_KEY_PREVIOUS that no stored secret uses any more: remove them from the environment. */
  removableFromEnvironment: string[];
  /** Non-primary keys still used, with how many rows use them: re-encrypt again before retiring. */
  stillInUse: Record<string, number>;
}

export interface VaultOptions {
  /**
   * Register every secret this vault encrypts or decrypts with the log scrubber, so that if it ever reaches a log line
   * it is replaced (defence in depth). Default true.
   */
  registerDecryptedSecrets?: boolean;
  /**
   * The registry those secrets go into: give the same one to the loggers that must scrub them. Default: the process's
   * `defaultSecretRegistry`, which every logger uses unless given another.
   */
  secrets?: SecretRegistry;
}

interface ParsedEnvelope {
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class Vault {
  readonly keyring: Keyring;
  /** Where the secrets this vault handles are registered for scrubbing; undefined when they are not. */
  readonly #secrets: SecretRegistry | undefined;

  constructor(keyring: Keyring, options: VaultOptions = {}) {
    this.keyring = keyring;
    this.#secrets = options.registerDecryptedSecrets === false ? undefined : (options.secrets ?? defaultSecretRegistry);
  }

  /** Encrypts under the primary key with a fresh random nonce. */
  encrypt(plaintext: string, context: string): string {
    checkContext(context);
    // A secret just stored is as secret as one read back: scrub it from log lines before this process ever decrypts it.
    this.#secrets?.register(plaintext);
    const key = this.keyring.primary;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.secret, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(key.id, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      key.id,
      nonce.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  /** Decrypts an envelope made for this context; any mismatch is VAULT_DECRYPT_FAILED, with no secret in it. */
  decrypt(envelope: string, context: string): string {
    checkContext(context);
    const parsed = parseEnvelope(envelope, context);
    const key = this.keyring.get(parsed.keyId);
    if (key === undefined) {
      throw decryptFailed(context, `it was encrypted with master key ${parsed.keyId}, which is not in the keyring`, {
        meaning: 'The master key that encrypted this secret was retired, lost, or belongs to another installation.',
        fix:
          'Restore the master key (master-key.json from backup, or the old value in TENANTLINK_MASTER_KEY_PREVIOUS), ' +
          'or enter the secret again for this connection.',
      });
    }
    let plaintext: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.secret, parsed.nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData(parsed.keyId, context));
      decipher.setAuthTag(parsed.tag);
      plaintext = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Deliberately no cause: nothing from the cipher goes into the error.
      throw decryptFailed(context, 'it did not authenticate (it was altered, or it belongs to another secret)', {
        meaning:
          'The stored value was changed outside tenantlink, copied from another connection or kind of secret, or the ' +
          'master key with its id was replaced by a different key.',
        fix: 'Enter the secret again for this connection; if many secrets fail, check that the right master key is in use.',
      });
    }
    this.#secrets?.register(plaintext);
    return plaintext;
  }

  /** The id of the master key an envelope was made with (for the store's key_id column). */
  keyIdOf(envelope: string): string {
    return parseEnvelope(envelope, 'unknown').keyId;
  }

  /** True when the envelope is not under the current primary key. */
  isStale(envelope: string): boolean {
    return this.keyIdOf(envelope) !== this.keyring.primary.id;
  }

  /** The same secret under the current primary key; the envelope itself when it already is. */
  reencrypt(envelope: string, context: string): string {
    const plaintext = this.decrypt(envelope, context);
    if (this.keyIdOf(envelope) === this.keyring.primary.id) return envelope;
    return this.encrypt(plaintext, context);
  }

  /**
   * Re-encrypts every stored secret that is not under the primary key. Safe to run again after a crash or while the
   * service runs: each row is replaced on its own, and old keys keep decrypting rows not yet done.
   */
  async reencryptAll(forEachSecret: ForEachSecret): Promise<ReencryptionReport> {
    const primaryKeyId = this.keyring.primary.id;
    const report: ReencryptionReport = { primaryKeyId, visited: 0, reencrypted: 0, alreadyCurrent: 0, failed: [] };
    await forEachSecret(async (row) => {
      report.visited += 1;
      const context = row.context ?? secretContext(row.connectionId, row.kind);
      try {
        if (this.keyIdOf(row.ciphertext) === primaryKeyId) {
          report.alreadyCurrent += 1;
          return undefined;
        }
        const ciphertext = this.reencrypt(row.ciphertext, context);
        report.reencrypted += 1;
        return { ciphertext, keyId: this.keyIdOf(ciphertext) };
      } catch (error) {
        const code = error instanceof TenantlinkError ? error.code : 'VAULT_DECRYPT_FAILED';
        report.failed.push({ connectionId: row.connectionId, kind: row.kind, code });
        return undefined;
      }
    });
    return report;
  }

  /**
   * Rotation without downtime: a new primary key is made (new secrets use it at once), then every stored secret is
   * re-encrypted under it while the old keys still decrypt the rows not yet done. Retire the old keys afterwards with
   * retireUnusedKeys.
   */
  async rotate(forEachSecret: ForEachSecret): Promise<RotationReport> {
    const previousPrimaryKeyId = this.keyring.primary.id;
    await this.keyring.rotate();
    const report = await this.reencryptAll(forEachSecret);
    return { ...report, previousPrimaryKeyId };
  }

  /**
   * Counts which keys the stored secrets use and retires the non-primary keys none of them uses. Keys still in use
   * are kept and reported (run reencryptAll again: rows written by a process that had not yet seen the new key).
   */
  async retireUnusedKeys(forEachSecret: ForEachSecret): Promise<RetirementReport> {
    const inUse = new Map<string, number>();
    await forEachSecret(async (row) => {
      let keyId = row.keyId;
      try {
        keyId = this.keyIdOf(row.ciphertext);
      } catch {
        // a malformed envelope: trust the row's key_id column
      }
      inUse.set(keyId, (inUse.get(keyId) ?? 0) + 1);
      return undefined;
    });
    const [, ...others] = this.keyring.ids();
    const report: RetirementReport = { retired: [], removableFromEnvironment: [], stillInUse: {} };
    for (const id of others) {
      const count = inUse.get(id) ?? 0;
      if (count > 0) {
        report.stillInUse[id] = count;
      } else if (this.keyring.source === 'env') {
        report.removableFromEnvironment.push(id);
      } else {
        await this.keyring.retire(id);
        report.retired.push(id);
      }
    }
    return report;
  }
}

function additionalData(keyId: string, context: string): Buffer {
  return Buffer.from(`tenantlink-vault/${VERSION}\n${keyId}\n${context}`, 'utf8');
}

function checkContext(context: string): void {
  if (typeof context !== 'string' || context.length === 0) {
    throw new TenantlinkError('VAULT_CONTEXT_REQUIRED', 'A secret must be encrypted and decrypted with a context.');
  }
}

function parseEnvelope(envelope: string, context: string): ParsedEnvelope {
  const malformed = () =>
    decryptFailed(context, 'the stored value is not a tenantlink vault envelope', {
      meaning: 'The stored value was changed or truncated outside tenantlink.',
      fix: 'Enter the secret again for this connection.',
    });
  if (typeof envelope !== 'string') throw malformed();
  const parts = envelope.split('.');
  if (parts.length !== 5) throw malformed();
  const [version, keyId, nonce, ciphertext, tag] = parts as [string, string, string, string, string];
  if (version !== VERSION || !KEY_ID.test(keyId)) throw malformed();
  if (!B64URL.test(nonce) || !B64URL.test(ciphertext) || !B64URL.test(tag)) throw malformed();
  const parsed: ParsedEnvelope = {
    keyId,
    nonce: Buffer.from(nonce, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (parsed.nonce.length !== NONCE_BYTES || parsed.tag.length !== TAG_BYTES) throw malformed();
  return parsed;
}

function decryptFailed(context: string, why: string, diagnosis: { meaning: string; fix: string }): TenantlinkError {
  return new TenantlinkError('VAULT_DECRYPT_FAILED', `Cannot decrypt the stored secret for ${context}: ${why}.`, {
    diagnosis,
  });
}
