import { type Dispatcher, fetch } from 'undici';
import { parseRetryAfter } from '../graph/retry-strategies/retry-after-strategy.js';
import { OUTBOUND_TARGET_REFUSED } from '../outbound/outbound-policy.js';

export interface PostOutcome {
  /** A 2xx answer. */
  ok: boolean;
  statusCode: number | null;
  /** From `Retry-After`, when the answer had one. */
  retryAfterMs?: number;
  /** Why it failed, safe to store and show: `HTTP 500`, `timed out after 10000 ms`, `ECONNREFUSED`. */
  error: string | null;
  /** How it failed, for answers that must not say more (a ping). */
  failure?: 'status' | 'timeout' | 'network' | 'refused' | 'stopped';
  durationMs: number;
}

export interface PostOptions {
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** Aborts the request (the dispatcher stops). */
  signal?: AbortSignal;
}

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failure: the URL should be updated), the answer's body
 * is discarded unread, and the whole exchange is bounded by the timeout. Never throws.
 */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions,
): Promise<PostOutcome> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    await response.body?.cancel().catch(() => {});
    const ok = response.status >= 200 && response.status < 300;
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return {
      ok,
      statusCode: response.status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      error: ok ? null : `HTTP ${response.status}`,
      ...(ok ? {} : { failure: 'status' as const }),
      durationMs: elapsed(),
    };
  } catch (err) {
    let error: string;
    let failure: PostOutcome['failure'] = 'network';
    if (timeout.aborted) [error, failure] = [`timed out after ${options.timeoutMs} ms`, 'timeout'];
    else if (options.signal?.aborted) [error, failure] = ['stopped: the dispatcher shut down', 'stopped'];
    else if (refusedByPolicy(err))
      [error, failure] = ['refused by the outbound policy: the target is on a private or special network', 'refused'];
    else error = networkError(err);
    return { ok: false, statusCode: null, error, failure, durationMs: elapsed() };
  }
}

function refusedByPolicy(err: unknown): boolean {
  return (err as { cause?: { code?: unknown } })?.cause?.code === OUTBOUND_TARGET_REFUSED;
}

/**
 * What a ping answers: whether it was delivered, and if not only the class of failure, so that a ping cannot be used
 * to read another host's answers or errors.
 */
export function pingResult(outcome: PostOutcome): string {
  if (outcome.ok) return 'delivered';
  switch (outcome.failure) {
    case 'status':
      return `failed: ${Math.floor((outcome.statusCode ?? 0) / 100)}xx`;
    case 'timeout':
      return 'failed: timeout';
    case 'refused':
      return 'failed: refused by the outbound policy';
    default:
      return 'failed: no connection';
  }
}

/** A network failure by its code (ECONNREFUSED, ENOTFOUND, a TLS code), never with the URL. */
function networkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return `network error: ${cause.code}`;
  if (cause && typeof cause.message === 'string') return `network error: ${cause.message.slice(0, 200)}`;
  return `network error: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown'}`;
}
