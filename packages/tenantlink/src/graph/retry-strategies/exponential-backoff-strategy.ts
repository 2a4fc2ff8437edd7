import { BACKOFF_LIMITS, backoffDelay as delayAfterFailures } from '../../backoff.js';
import { RETRIABLE_STATUSES, type RetryContext, type RetryStrategy } from './retry-strategy.js';

export interface ExponentialBackoffOptions {
  /** The longest first delay. Default 500 ms. */
  initialDelayMs?: number;
  /** No delay exceeds this. Default 30 s. */
  maxDelayMs?: number;
  /** Random source in [0, 1], replaceable in tests. */
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

/** The delay before retry `attempt + 1` (`attempt` counts from 0, as the retry policy does): the shared backoff. */
export function backoffDelay(attempt: number, options: ExponentialBackoffOptions = {}): number {
  return delayAfterFailures(attempt + 1, BACKOFF_LIMITS.graph, {
    initialMs: options.initialDelayMs,
    maxMs: options.maxDelayMs,
    random: options.random,
  });
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
