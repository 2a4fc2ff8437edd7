import { GraphError } from '../errors.js';

export interface ThrottleSettings {
  enabled: boolean;
  /** Multiplies every quota: 0.01 makes limits a hundred times tighter, 100 looser. */
  scale: number;
}

/** A token bucket: `capacity` tokens, refilled continuously over `windowMs`. */
class TokenBucket {
  private tokens: number;
  private updated: number;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updated = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updated);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.capacity) / this.windowMs);
    this.updated = now;
  }

  /** Takes `n` tokens, or says how long until they are there. */
  take(n: number, now: number): { ok: true } | { ok: false; waitMs: number } {
    this.refill(now);
    if (this.tokens >= n) {
      this.tokens -= n;
      return { ok: true };
    }
    return { ok: false, waitMs: ((n - this.tokens) * this.windowMs) / this.capacity };
  }

  usedFraction(now: number): number {
    this.refill(now);
    return 1 - this.tokens / this.capacity;
  }
}

/** The identity-and-access quota for one app in one tenant, by tenant size (resource units per 10 s). */
export function directoryQuota(tenantUsers: number): number {
  if (tenantUsers < 50) return 3_500;
  if (tenantUsers <= 500) return 5_000;
  return 8_000;
}

const DIRECTORY_WINDOW_MS = 10_000;
const DIRECTORY_WRITES = 3_000;
const DIRECTORY_WRITE_WINDOW_MS = 150_000;

/** The 429 Graph answers with: `TooManyRequests`, a Retry-After in seconds and the throttle-scope headers. */
export function tooManyRequests(
  retryAfterSeconds: number,
  headers: Record<string, string> = {},
  code = 'TooManyRequests',
  message = 'Please retry again later.',
) {
  return new GraphError(
    429,
    code,
    message,
    { 'retry-after': String(retryAfterSeconds), ...headers },
    { code: '429', message: 'Please retry after', status: '429' },
  );
}

export interface DirectoryCharge {
  appId: string;
  tenantId: string;
  tenantUsers: number;
  /** Resource units this request costs. */
  cost: number;
  write: boolean;
}

/**
 * Graph's throttling: every request is checked against the limits of its scopes, and the first exhausted one
 * throttles it. The directory uses token buckets of resource units per app and tenant (and a write quota).
 */
export class Throttling {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly mailboxInFlight = new Map<string, number>();

  constructor(
    readonly settings: ThrottleSettings,
    private readonly now: () => number,
  ) {}

  private bucket(key: string, capacity: number, windowMs: number): TokenBucket {
    const scaled = Math.max(1, Math.round(capacity * this.settings.scale));
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.capacity !== scaled) {
      bucket = new TokenBucket(scaled, windowMs, this.now());
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Forgets all usage (when settings change, or a test wants a clean slate). */
  reset(): void {
    this.buckets.clear();
  }

  /** Charges a directory request; returns the response headers or throws a 429. */
  chargeDirectory(charge: DirectoryCharge): Record<string, string> {
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(charge.cost) };
    if (!this.settings.enabled) return headers;
    const now = this.now();
    const scopeKey = `${charge.appId}/${charge.tenantId}`;
    const reads = this.bucket(`dir-ru/${scopeKey}`, directoryQuota(charge.tenantUsers), DIRECTORY_WINDOW_MS);
    const writes = charge.write
      ? this.bucket(`dir-w/${scopeKey}`, DIRECTORY_WRITES, DIRECTORY_WRITE_WINDOW_MS)
      : undefined;
    const scope = `Tenant_Application/${charge.write ? 'ReadWrite' : 'Read'}/${charge.appId}/${charge.tenantId}`;
    const read = reads.take(charge.cost, now);
    if (!read.ok) {
      throw tooManyRequests(Math.max(1, Math.ceil(read.waitMs / 1000)), {
        'x-ms-throttle-scope': scope,
        'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
        ...headers,
      });
    }
    if (writes) {
      const write = writes.take(1, now);
      if (!write.ok) {
        throw tooManyRequests(Math.max(1, Math.ceil(write.waitMs / 1000)), {
          'x-ms-throttle-scope': scope,
          'x-ms-throttle-information': 'WriteLimitExceeded',
          ...headers,
        });
      }
    }
    const used = reads.usedFraction(now);
    if (used > 0.8) headers['x-ms-throttle-limit-percentage'] = used.toFixed(1);
    return headers;
  }

  /**
   * Outlook (mail, calendar, contacts) limits per app per mailbox: 10,000 requests per 10 minutes and 4 in flight.
   * Returns the function that ends the request (call it when the response is sent), or throws a 429.
   */
  acquireMailbox(appId: string, mailboxId: string): () => void {
    if (!this.settings.enabled) return () => {};
    const key = `${appId}/${mailboxId.toLowerCase()}`;
    const limit = Math.max(1, Math.round(MAILBOX_CONCURRENCY * this.settings.scale));
    const inFlight = this.mailboxInFlight.get(key) ?? 0;
    if (inFlight >= limit) {
      throw tooManyRequests(1, {}, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.');
    }
    const rate = this.bucket(`mbx/${key}`, MAILBOX_REQUESTS, MAILBOX_WINDOW_MS).take(1, this.now());
    if (!rate.ok) {
      throw tooManyRequests(
        Math.max(1, Math.ceil(rate.waitMs / 1000)),
        {},
        'ApplicationThrottled',
        'Application is over its MailboxRequestRate limit.',
      );
    }
    this.mailboxInFlight.set(key, inFlight + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.mailboxInFlight.set(key, Math.max(0, (this.mailboxInFlight.get(key) ?? 1) - 1));
    };
  }

  /** A plain request-count limit for a scope (presence: 1,500 per 30 s per app and tenant; usage reports: 14 per 10 min). */
  chargeRequests(scope: string, limit: number, windowMs: number): void {
    if (!this.settings.enabled) return;
    const result = this.bucket(`req/${scope}`, limit, windowMs).take(1, this.now());
    if (!result.ok) throw tooManyRequests(Math.max(1, Math.ceil(result.waitMs / 1000)));
  }
}

export const MAILBOX_CONCURRENCY = 4;
export const MAILBOX_REQUESTS = 10_000;
export const MAILBOX_WINDOW_MS = 600_000;
export const PRESENCE_LIMIT = { requests: 1_500, windowMs: 30_000 };
export const USAGE_REPORTS_LIMIT = { requests: 14, windowMs: 600_000 };
