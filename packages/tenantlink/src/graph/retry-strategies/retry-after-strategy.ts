import { RETRIABLE_STATUSES, type RetryContext, type RetryStrategy } from './retry-strategy.js';

/**
 * Reads `Retry-After` as seconds (Graph sends fractional ones, e.g. `2.128`) or as an HTTP date. Returns undefined
 * when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface RetryAfterStrategyOptions {
  /** A Retry-After beyond this is capped (a misbehaving proxy must not park a sync for hours). Default 5 minutes. */
  maxDelayMs?: number;
}

/** 429, 503 and 504 with a `Retry-After`: wait exactly what the service asked. Retrying earlier prolongs the throttle. */
export function retryAfterStrategy(options: RetryAfterStrategyOptions = {}): RetryStrategy {
  const maxDelayMs = options.maxDelayMs ?? 300_000;
  return {
    name: 'retryAfterStrategy',
    delayMs({ response }: RetryContext) {
      if (!response || !RETRIABLE_STATUSES.has(response.status)) return undefined;
      const delay = parseRetryAfter(response.headers.get('retry-after'));
      return delay === undefined ? undefined : Math.min(delay, maxDelayMs);
    },
  };
}
