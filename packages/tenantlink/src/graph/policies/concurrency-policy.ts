import type { ResourceConcurrencyLimiter } from '../concurrency.js';
import type { PipelinePolicy } from '../pipeline.js';
import { parseRetryAfter } from '../retry-strategies/retry-after-strategy.js';

/**
 * Holds a slot of the resource's limiter for the time of one attempt (not while the retry policy waits; a directory
 * request spends its resource units again on each attempt, as Graph charges each one), and pauses
 * the resource when it answers 429 with a Retry-After, so the requests queued behind it (in every process sharing the
 * limiter's budget) wait instead of piling on. The pause is recorded before the answer goes back to the retry policy.
 */
export function concurrencyPolicy(limiter: ResourceConcurrencyLimiter): PipelinePolicy {
  return {
    name: 'concurrencyPolicy',
    async sendRequest(request, next) {
      const release = await limiter.acquire(request.url, request.signal, request.method);
      try {
        const response = await next(request);
        if (response.status === 429) {
          const delay = parseRetryAfter(response.headers.get('retry-after'));
          if (delay !== undefined) await limiter.fence(request.url, delay);
        }
        return response;
      } finally {
        release();
      }
    },
  };
}
