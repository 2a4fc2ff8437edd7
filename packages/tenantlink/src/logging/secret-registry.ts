import { REDACTED } from './redacted.js';
import { MIN_REGISTERED_SECRET_LENGTH, SecretMatcher } from './secret-matcher.js';

const MAX_REGISTERED_SECRET_LENGTH = 16_384;
/** The oldest registrations are dropped beyond this, so a long-running process does not grow without bound. */
const MAX_REGISTERED_SECRETS = 10_000;

/**
 * Secret values to replace wherever they appear in a log line, in any encoding they can take there. A vault registers
 * each secret it encrypts or decrypts; a logger scrubs each line it writes with its registry.
 */
export class SecretRegistry {
  readonly #secrets = new Set<string>();
  #matcher: SecretMatcher | undefined;

  /**
   * From now on, lines scrubbed with this registry have the value replaced by REDACTED. Returns false when the value is
   * too short (it would mangle ordinary words) or too long to register.
   */
  register(value: string): boolean {
    if (typeof value !== 'string') return false;
    if (value.length < MIN_REGISTERED_SECRET_LENGTH || value.length > MAX_REGISTERED_SECRET_LENGTH) return false;
    if (this.#secrets.has(value)) return true;
    this.#secrets.add(value);
    if (this.#secrets.size > MAX_REGISTERED_SECRETS) {
      const oldest = this.#secrets.values().next().value;
      if (oldest !== undefined) this.#secrets.delete(oldest);
    }
    this.#matcher = undefined;
    return true;
  }

  /** Forgets a secret (when it was revoked and replaced). */
  unregister(value: string): void {
    if (this.#secrets.delete(value)) this.#matcher = undefined;
  }

  /** Replaces every registered secret in the text. */
  scrub(text: string): string {
    if (this.#secrets.size === 0) return text;
    this.#matcher ??= new SecretMatcher(this.#secrets);
    return this.#matcher.replace(text, REDACTED);
  }
}

/**
 * The registry of the process, used by every Vault and every createLogger that is not given one. A secret the vault
 * decrypts in one part of the process (a token request, a webhook delivery) may surface in a line that an unrelated
 * logger writes (the server's, the CLI's, a job's), so by default they all share one registry. Pass your own registry
 * to both a vault and its loggers to keep them apart (tests, several tenants' processes in one host).
 */
export const defaultSecretRegistry = new SecretRegistry();
