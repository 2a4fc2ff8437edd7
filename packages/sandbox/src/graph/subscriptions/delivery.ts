import { randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { GraphError } from '../errors.js';

/**
 * Posting to subscribers. The sandbox only ever posts to loopback addresses, over HTTPS without checking the
 * receiver's certificate (a test receiver's certificate is its own business), with Microsoft's time limits.
 */
const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const VALIDATION_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 3_000;
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000];

const validationError = (message: string) => new GraphError(400, 'ValidationError', message);

/** Notification URLs must be HTTPS (as Microsoft requires) and, in the sandbox, point at this machine. */
export function assertDeliverable(url: string, field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw validationError(`Invalid ${field}: '${url}'.`);
  }
  if (parsed.protocol !== 'https:') throw validationError(`The ${field} must be an HTTPS URL.`);
  if (!LOOPBACK.has(parsed.hostname.toLowerCase())) {
    throw validationError(`The sandbox only delivers to loopback addresses; '${parsed.hostname}' is not one.`);
  }
}

/**
 * The validation handshake: POST `{url}?validationToken=…` (text/plain); the endpoint must answer 200 with the token
 * as plain text within 10 seconds, else the subscription is not created.
 */
export async function validateEndpoint(url: string): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomBytes(16).toString('hex')}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      // A redirect could lead off this machine: it counts as a failure, never as a place to post to.
      redirect: 'manual',
      dispatcher,
      signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
    });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw validationError('Subscription validation request timed out.');
    throw validationError(
      'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
    );
  }
  const text = await response.text();
  if (response.status !== 200) {
    throw validationError(
      `Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. HTTP status code is '${response.status}'.`,
    );
  }
  if (text !== token) {
    throw validationError(
      'Subscription validation request failed. Response must exactly match validationToken query parameter.',
    );
  }
}

export interface DeliveryRecord {
  url: string;
  subscriptionIds: string[];
  status: number | null;
  attempt: number;
  at: string;
  error?: string;
}

/**
 * Posts notification batches; a receiver that fails or answers slowly is retried with backoff (Microsoft retries for up
 * to four hours; the sandbox gives up after a few attempts). Every attempt is logged for tests.
 */
export class NotificationSender {
  readonly log: DeliveryRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly stopped = new AbortController();

  constructor(private readonly now: () => string) {}

  /** Stops every delivery: in-flight posts are aborted and no retry follows (the sandbox is closing). */
  stop(): void {
    this.stopped.abort();
  }

  send(url: string, value: Record<string, unknown>[], subscriptionIds: string[]): void {
    if (this.stopped.signal.aborted) return;
    const run = this.attempt(url, value, subscriptionIds, 0);
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async attempt(
    url: string,
    value: Record<string, unknown>[],
    subscriptionIds: string[],
    attempt: number,
  ): Promise<void> {
    const record: DeliveryRecord = { url, subscriptionIds, status: null, attempt: attempt + 1, at: this.now() };
    this.log.push(record);
    if (this.log.length > 1_000) this.log.splice(0, this.log.length - 1_000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ value }),
        redirect: 'manual',
        dispatcher,
        signal: AbortSignal.any([AbortSignal.timeout(DELIVERY_TIMEOUT_MS), this.stopped.signal]),
      });
      await response.text();
      record.status = response.status;
      if (response.status >= 200 && response.status < 300) return;
    } catch (err) {
      record.error = (err as Error).message;
    }
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined || this.stopped.signal.aborted) return;
    await new Promise((r) => setTimeout(r, delay).unref());
    await this.attempt(url, value, subscriptionIds, attempt + 1);
  }

  /** Resolves when every delivery under way has finished (for orderly shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
