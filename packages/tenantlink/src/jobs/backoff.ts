import { BACKOFF_LIMITS, type BackoffOptions, backoffDelay } from '../backoff.js';

export type { BackoffOptions } from '../backoff.js';

/** How long to wait after failed attempt number `attempt` (1-based): the shared backoff with the jobs' limits. */
export function exponentialBackoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  return backoffDelay(attempt, BACKOFF_LIMITS.jobs, { random, ...options });
}
