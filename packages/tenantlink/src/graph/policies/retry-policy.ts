import type { GraphResponse, PipelinePolicy } from '../pipeline.js';
import { exponentialBackoffStrategy } from '../retry-strategies/exponential-backoff-strategy.js';
import { retryAfterStrategy } from '../retry-strategies/retry-after-strategy.js';
import type { RetryStrategy } from '../retry-strategies/retry-strategy.js';

export interface RetryPolicyOptions {
  /** Retries after the first attempt. Default 5. */
  maxRetries?: number;
  /** Asked in order; the first that answers sets the delay. Default: Retry-After, then exponential backoff. */
  strategies?: RetryStrategy[];
  /** Called before each wait, e.g. to log it. */
  onRetry?: (info: { attempt: number; delayMs: number; status?: number; strategy: string }) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The retry loop. It knows when to stop (the attempt bound, a final answer); the strategies know how long to wait.
 * When retries run out, the last response is returned as it is, so the caller's error names the real status.
 */
export function retryPolicy(options: RetryPolicyOptions = {}): PipelinePolicy {
  const maxRetries = options.maxRetries ?? 5;
  const strategies = options.strategies ?? [retryAfterStrategy(), exponentialBackoffStrategy()];
  const sleep = options.sleep ?? abortableSleep;
  return {
    name: 'retryPolicy',
    async sendRequest(request, next) {
      for (let attempt = 0; ; attempt++) {
        request.attempt = attempt;
        let response: GraphResponse | undefined;
        let error: unknown;
        try {
          response = await next(request);
        } catch (err) {
          error = err;
        }
        if (attempt >= maxRetries) {
          if (response) return response;
          throw error;
        }
        let delay: number | undefined;
        let strategyName = '';
        for (const strategy of strategies) {
          delay = strategy.delayMs({ attempt, response, error, method: request.method });
          if (delay !== undefined) {
            strategyName = strategy.name;
            break;
          }
        }
        if (delay === undefined) {
          if (response) return response;
          throw error;
        }
        options.onRetry?.({ attempt: attempt + 1, delayMs: delay, status: response?.status, strategy: strategyName });
        await response?.discard();
        await sleep(delay, request.signal);
      }
    },
  };
}
