/**
 * The one exponential backoff every retry in tenantlink uses: Graph requests, jobs and webhook deliveries, each with
 * its own limits. It depends on nothing, so any folder can import it.
 */

export interface BackoffLimits {
  /** The longest first delay (after one failure). */
  initialMs: number;
  /** No delay is longer than this. */
  maxMs: number;
}

export interface BackoffOptions extends Partial<BackoffLimits> {
  /** Random source in [0, 1]; tests pass a fixed one. Default `Math.random`. */
  random?: () => number;
}

/** The limits of each use; callers' options override them field by field. */
export const BACKOFF_LIMITS = {
  /** A throttled or failing Graph request (unless Retry-After says otherwise): 500 ms doubling to 30 s. */
  graph: { initialMs: 500, maxMs: 30_000 },
  /** A failed job attempt: 1 s doubling to 5 minutes. */
  jobs: { initialMs: 1_000, maxMs: 300_000 },
  /** A failed webhook delivery: 15 s doubling to 1 hour (ten attempts span about two hours). */
  webhooks: { initialMs: 15_000, maxMs: 3_600_000 },
} as const satisfies Record<string, BackoffLimits>;

/**
 * How long to wait after `failures` failed attempts in a row (1 after the first): the ceiling
 * `initialMs · 2^(failures − 1)`, capped at `maxMs`, with "equal jitter": half the ceiling is fixed, the other half
 * random. The fixed half keeps every wait long enough to let a throttled service recover (full jitter can retry at
 * once); the random half spreads callers that failed together (one throttled tenant, one receiver down) so they do not
 * come back in the same instant. A delay therefore lies between half and all of its ceiling.
 */
export function backoffDelay(failures: number, limits: BackoffLimits, options: BackoffOptions = {}): number {
  const initialMs = options.initialMs ?? limits.initialMs;
  const maxMs = options.maxMs ?? limits.maxMs;
  const random = options.random ?? Math.random;
  // The exponent stops at 52 so that a zero initial delay stays 0 rather than 0 · ∞ = NaN.
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(52, Math.max(0, failures - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
