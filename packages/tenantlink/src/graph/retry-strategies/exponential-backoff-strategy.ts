import { RETRIABLE_STATUSES, type RetryContext, type RetryStrategy } from './retry-strategy.js';

export interface ExponentialBackoffOptions {
  /** The first delay, before jitter. Default 500 ms. */
  initialDelayMs?: number;
  /** No delay exceeds this. Default 30 s. */
  maxDelayMs?: number;
  /** Random source in [0, 1), replaceable in tests. */
  random?: () => number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Network failures worth another try: the request may never have reached the service. */
function isTransientNetworkError(error: unknown): boolean {
  const err = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  if (!err || err.name === 'AbortError') return false;
  const code = err.code ?? err.cause?.code ?? '';
  return (
    err.name === 'TypeError' ||
    /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_(SOCKET|CONNECT_TIMEOUT|HEADERS_TIMEOUT|BODY_TIMEOUT|CLOSED))$/.test(
      code,
    )
  );
}

/** The delay before retry `attempt + 1`: `initial · 2^attempt`, capped, with ±25 % jitter so clients don't retry in step. */
export function backoffDelay(attempt: number, options: ExponentialBackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * 2 ** attempt);
  return Math.min(max, Math.round(base * (0.75 + random() * 0.5)));
}

/**
 * 429/503/504 without `Retry-After`, and network errors on idempotent requests: exponential backoff with jitter.
 * (A POST that failed on the network may have been applied; it is not retried.)
 */
export function exponentialBackoffStrategy(options: ExponentialBackoffOptions = {}): RetryStrategy {
  return {
    name: 'exponentialBackoffStrategy',
    delayMs({ attempt, response, error, method }: RetryContext) {
      if (response) return RETRIABLE_STATUSES.has(response.status) ? backoffDelay(attempt, options) : undefined;
      if (error !== undefined && IDEMPOTENT.has(method.toUpperCase()) && isTransientNetworkError(error)) {
        return backoffDelay(attempt, options);
      }
      return undefined;
    },
  };
}
