export interface BackoffOptions {
  /** Delay before the second attempt, before jitter. Default 1 s. */
  initialMs?: number;
  /** Largest delay, before jitter. Default 5 minutes. */
  maxMs?: number;
  /**
   * Fraction of the delay that is random, 0..1. Default 0.5: a delay lies between half and all of the exponential
   * value, so jobs that failed together (a throttled tenant) do not all come back in the same instant.
   */
  jitter?: number;
}

/** How long to wait after failed attempt number `attempt` (1-based): exponential, capped, with jitter. */
export function exponentialBackoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initialMs = options.initialMs ?? 1000;
  const maxMs = options.maxMs ?? 300_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const exponential = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (1 - jitter * random()));
}
