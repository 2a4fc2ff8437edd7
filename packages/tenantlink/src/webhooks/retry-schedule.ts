import { BACKOFF_LIMITS, type BackoffOptions, backoffDelay } from '../backoff.js';
import type { PostOutcome } from './post-webhook.js';

export interface WebhookRetryOptions {
  /** Attempts in a row before the endpoint counts as failing for a connection. Default 10. */
  maxAttempts?: number;
  /** Default 15 s doubling to 1 hour, with jitter: ten attempts span about two hours. */
  backoff?: BackoffOptions;
  /** A `Retry-After` longer than this is cut to it. Default 1 hour. */
  maxRetryAfterMs?: number;
}

/**
 * How long to wait after failed attempt number `attempts` (1-based, in a row), or null when the attempts ran out.
 * A 429 or 503 with `Retry-After` waits what the receiver asked; anything else backs off exponentially with jitter.
 */
export function nextAttemptDelay(
  attempts: number,
  outcome: Pick<PostOutcome, 'statusCode' | 'retryAfterMs'>,
  options: WebhookRetryOptions = {},
): number | null {
  if (attempts >= (options.maxAttempts ?? 10)) return null;
  if ((outcome.statusCode === 429 || outcome.statusCode === 503) && outcome.retryAfterMs !== undefined)
    return Math.min(outcome.retryAfterMs, options.maxRetryAfterMs ?? 3_600_000);
  return backoffDelay(attempts, BACKOFF_LIMITS.webhooks, options.backoff);
}
