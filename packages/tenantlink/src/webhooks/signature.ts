import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signature scheme of outbound webhooks. Each request carries
 *
 *     tenantlink-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 *
 * keyed with the endpoint's secret (the whole `whsec_…` string, as UTF-8). The timestamp is signed with the body, so a
 * captured request cannot be replayed later than the receiver's tolerance.
 */

export const SIGNATURE_HEADER = 'tenantlink-signature';
export const SIGNATURE_SCHEME = 'v1';

/** A new endpoint secret: `whsec_` and 32 random bytes in base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest();
}

/**
 * The `tenantlink-signature` header value for a body sent at `timestamp` (unix seconds): one `v1=` per secret, so
 * during a secret rotation a receiver holding either secret can verify.
 */
export function signWebhookBody(secrets: string | readonly string[], body: string, timestamp: number): string {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return [
    `t=${timestamp}`,
    ...list.map((secret) => `${SIGNATURE_SCHEME}=${hmac(secret, timestamp, body).toString('hex')}`),
  ].join(',');
}

export interface VerifyWebhookSignatureOptions {
  /** How far the signed timestamp may be from now, either way. Default 300 seconds. */
  toleranceSeconds?: number;
  /** Now, in milliseconds since the epoch (for tests). */
  now?: number;
}

/**
 * For the vendor's receiver: true when `header` (the `tenantlink-signature` value) signs exactly `rawBody` with
 * `secret`, at a time within the tolerance. Pass the body as received, before any JSON parsing: a re-serialised body
 * does not verify. Several `v1=` values are accepted (any one may match).
 */
export function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  header: string | readonly string[] | null | undefined,
  secret: string,
  options: VerifyWebhookSignatureOptions = {},
): boolean {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096) return false;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of value.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const key = part.slice(0, at).trim();
    const given = part.slice(at + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(given)) timestamp = Number(given);
    else if (key === SIGNATURE_SCHEME && /^[0-9a-f]{64}$/i.test(given)) signatures.push(Buffer.from(given, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) return false;
  const expected = hmac(secret, timestamp, rawBody);
  return signatures.some((s) => timingSafeEqual(s, expected));
}
