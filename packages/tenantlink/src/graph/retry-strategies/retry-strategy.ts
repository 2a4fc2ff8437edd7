import type { GraphResponse } from '../pipeline.js';

/** What a retry strategy sees after an attempt: the response, or the network error that replaced it. */
export interface RetryContext {
  /** 0 after the first attempt, 1 after the first retry, … */
  attempt: number;
  response?: GraphResponse;
  error?: unknown;
  method: string;
}

/**
 * Decides how long to wait before retrying, or `undefined` when the outcome is not its business (the next strategy
 * is asked; when none answers, the outcome is final). The retry policy owns the loop and the attempt bound.
 */
export interface RetryStrategy {
  name: string;
  delayMs(context: RetryContext): number | undefined;
}

/** Statuses that mean "the service is busy, the same request may succeed later". */
export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
