import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random tokens, the hashes they are stored and looked up by, and a constant-time comparison. */

/** A random token, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex: how API keys and session cookies are looked up; the values themselves are never stored. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function equalStrings(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
