import { randomUUID } from 'node:crypto';
import {
  type Vault,
  webhookPreviousSecretContext,
  webhookSecretContext,
  webhookUrlContext,
} from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import type { Logger } from '../logging/index.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import { connectionsRepository } from '../store/connections-repository.js';
import type { Store } from '../store/database.js';
import { recordsRepository } from '../store/records-repository.js';
import { isoNow } from '../store/schema.js';
import {
  type CursorFence,
  type WebhookCursor,
  type WebhookCursorsRepository,
  webhookCursorsRepository,
} from '../store/webhook-cursors-repository.js';
import { webhookDeliveriesRepository } from '../store/webhook-deliveries-repository.js';
import { type StoredWebhookEndpoint, webhookEndpointsRepository } from '../store/webhook-endpoints-repository.js';
import { holderIsGone, processHolder } from '../sync/lease.js';
import { type FeedListener, listenForFeedCommits } from './feed-listener.js';
import { PING, pingPayload, RECORDS_CHANGED, recordsChangedPayload, type WebhookConnectionRef } from './payload.js';
import { type PostOutcome, postWebhook } from './post-webhook.js';
import { nextAttemptDelay, type WebhookRetryOptions } from './retry-schedule.js';
import { SIGNATURE_HEADER, signWebhookBody } from './signature.js';

export interface WebhookDispatcherOptions {
  store: Store;
  vault: Vault;
  logger?: Logger | undefined;
  /** Most feed entries in one delivery. Default 500. */
  batchSize?: number;
  /** How long the endpoint has to answer. Default 10 s. */
  timeoutMs?: number;
  retry?: WebhookRetryOptions;
  /**
   * How often to look for endpoints behind their feed (commits by other processes, retries that came due, a
   * dispatcher that died). Default 5 s.
   */
  pollIntervalMs?: number;
  /** How long a pair's lease lasts; it is renewed before each attempt. Default max(30 s, 3 × timeout). */
  leaseTtlMs?: number;
  /** Deliveries in flight at once (each to a different endpoint and connection). Default 8. */
  concurrency?: number;
  /** A failing pair is tried again on a commit at most this often. Default 60 s. */
  failingRetryIntervalMs?: number;
  /** How long the delivery log keeps attempts. Default 14 days. */
  deliveryRetentionMs?: number;
  /** PostgreSQL: also LISTEN for commits made by other processes (a connection of its own to this URL). */
  listen?: { databaseUrl: string } | undefined;
  /** Where deliveries may go: every connection is checked against it (no private networks unless allowed). */
  outbound: OutboundPolicy;
  userAgent?: string;
}

/** What woke a pair: a commit may try a failing pair again; a replay skips any wait. */
type Reason = 'sweep' | 'timer' | 'commit' | 'replay';
const STRENGTH: Record<Reason, number> = { sweep: 0, timer: 0, commit: 1, replay: 2 };

const pairKey = (endpointId: string, connectionId: string) => `${endpointId}\u0000${connectionId}`;

/**
 * Delivers each connection's change feed to the webhook endpoints that take it: in order, at least once, one delivery
 * in flight per endpoint and connection across all processes (a lease on the pair's cursor row), the cursor moved only
 * on a 2xx. Woken by commits in this process, by PostgreSQL notifications from others, by retry timers, and by a
 * periodic sweep that also catches up after a crash.
 */
export class WebhookDispatcher {
  readonly #store: Store;
  readonly #vault: Vault;
  readonly #options: WebhookDispatcherOptions;
  readonly #cursors: WebhookCursorsRepository;
  readonly #holder = processHolder();
  readonly #active = new Map<string, Promise<void>>();
  readonly #again = new Map<string, Reason>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiting: (() => void)[] = [];
  readonly #stop = new AbortController();
  #inFlight = 0;
  #interval: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #listener: FeedListener | undefined;
  #lastPrune = 0;
  #started = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#store = options.store;
    this.#vault = options.vault;
    this.#options = options;
    this.#cursors = webhookCursorsRepository(options.store);
  }

  get #timeoutMs() {
    return this.#options.timeoutMs ?? 10_000;
  }

  get #leaseTtlMs() {
    return this.#options.leaseTtlMs ?? Math.max(30_000, 3 * this.#timeoutMs);
  }

  /** Catches up at once, then sweeps periodically (and listens on PostgreSQL when asked). */
  async start(): Promise<void> {
    if (this.#started || this.#stop.signal.aborted) return;
    this.#started = true;
    this.#interval = setInterval(() => void this.sweep(), this.#options.pollIntervalMs ?? 5000);
    this.#interval.unref();
    if (this.#options.listen && this.#store.dialect === 'postgres') {
      this.#listener = await listenForFeedCommits(this.#options.listen.databaseUrl, {
        onCommit: (connectionId) => this.committed({ connectionId }),
        ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      }).catch((err: unknown) => {
        this.#options.logger?.warn(
          { err: { message: (err as Error).message } },
          'webhooks: cannot LISTEN for commits; polling only',
        );
        return undefined;
      });
    }
    void this.sweep();
  }

  /** Stops waking pairs; deliveries in flight finish (each is bounded by the timeout), the rest resume elsewhere. */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#interval) clearInterval(this.#interval);
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const wake of this.#waiting.splice(0)) wake();
    await this.#listener?.close().catch(() => {});
    await this.#sweeping;
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()]);
  }

  /** A commit wrote feed entries for this connection: wake every endpoint that takes them. */
  committed(event: { connectionId: string }): void {
    if (this.#stop.signal.aborted) return;
    webhookEndpointsRepository(this.#store)
      .enabledFor(event.connectionId)
      .then((endpoints) => {
        for (const endpoint of endpoints) this.#kick(endpoint.id, event.connectionId, 'commit');
      })
      .catch((err: unknown) => this.#logFailure(err, 'webhooks: cannot read endpoints after a commit'));
  }

  /** A replay moved a cursor: deliver from there now. */
  replayed(endpointId: string, connectionId: string): void {
    this.#kick(endpointId, connectionId, 'replay');
  }

  /** Resolves when nothing is being delivered in this process (for tests and orderly shutdowns). */
  async idle(): Promise<void> {
    await this.#sweeping;
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()]);
  }

  /** Finds every pair behind its feed whose next attempt is due and free of other processes, and wakes it. */
  sweep(): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    this.#sweeping ??= this.#sweepOnce()
      .catch((err: unknown) => this.#logFailure(err, 'webhooks: sweep failed'))
      .finally(() => {
        this.#sweeping = undefined;
      });
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<void> {
    const endpoints = (await webhookEndpointsRepository(this.#store).list()).filter((e) => e.enabled);
    if (endpoints.length > 0) {
      const heads = await this.#cursors.feedHeads();
      const cursors = new Map((await this.#cursors.list()).map((c) => [pairKey(c.endpointId, c.connectionId), c]));
      const now = Date.now();
      for (const endpoint of endpoints) {
        const connectionIds = endpoint.connectionId ? [endpoint.connectionId] : [...heads.keys()];
        for (const connectionId of connectionIds) {
          const cursor = cursors.get(pairKey(endpoint.id, connectionId));
          if ((heads.get(connectionId) ?? 0) <= (cursor?.lastSeq ?? 0) || cursor?.failing) continue;
          const due = cursor?.nextAttemptAt ? Date.parse(cursor.nextAttemptAt) : 0;
          if (due > now) {
            this.#schedule(endpoint.id, connectionId, due);
            continue;
          }
          if (cursor?.lease && Date.parse(cursor.lease.expiresAt) > now && !holderIsGone(cursor.lease.holder)) continue;
          this.#kick(endpoint.id, connectionId, 'sweep');
        }
      }
    }
    await this.#prune();
  }

  async #prune(): Promise<void> {
    if (Date.now() - this.#lastPrune < 3_600_000) return;
    this.#lastPrune = Date.now();
    const retention = this.#options.deliveryRetentionMs ?? 14 * 86_400_000;
    await webhookDeliveriesRepository(this.#store).prune(new Date(Date.now() - retention).toISOString());
  }

  #kick(endpointId: string, connectionId: string, reason: Reason): void {
    if (this.#stop.signal.aborted) return;
    const key = pairKey(endpointId, connectionId);
    if (this.#active.has(key)) {
      const before = this.#again.get(key);
      if (!before || STRENGTH[reason] > STRENGTH[before]) this.#again.set(key, reason);
      return;
    }
    const run = this.#withSlot(() => this.#drain(endpointId, connectionId, reason))
      .catch((err: unknown) => this.#logFailure(err, 'webhooks: delivery loop failed', { endpointId, connectionId }))
      .finally(() => {
        this.#active.delete(key);
        const again = this.#again.get(key);
        this.#again.delete(key);
        if (again) this.#kick(endpointId, connectionId, again);
      });
    this.#active.set(key, run);
  }

  async #withSlot(work: () => Promise<void>): Promise<void> {
    const limit = this.#options.concurrency ?? 8;
    while (this.#inFlight >= limit && !this.#stop.signal.aborted)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#stop.signal.aborted) return;
    this.#inFlight += 1;
    try {
      await work();
    } finally {
      this.#inFlight -= 1;
      this.#waiting.shift()?.();
    }
  }

  #schedule(endpointId: string, connectionId: string, at: number): void {
    if (this.#stop.signal.aborted) return;
    const key = pairKey(endpointId, connectionId);
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.#timers.delete(key);
        this.#kick(endpointId, connectionId, 'timer');
      },
      Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1),
    );
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Takes the pair's lease, from a dead process on this machine if need be. */
  async #acquire(endpointId: string, connectionId: string, token: string): Promise<boolean> {
    const lease = () => ({
      token,
      holder: this.#holder,
      expiresAt: new Date(Date.now() + this.#leaseTtlMs).toISOString(),
    });
    if (await this.#cursors.acquire(endpointId, connectionId, lease())) return true;
    const current = (await this.#cursors.get(endpointId, connectionId))?.lease;
    if (!current || !holderIsGone(current.holder)) return false;
    return this.#cursors.acquire(endpointId, connectionId, lease(), { replacing: current.token });
  }

  /** Whether this wake-up may make an attempt now; otherwise a timer is set for when one is due. */
  #mayAttempt(cursor: WebhookCursor, reason: Reason): boolean {
    if (reason === 'replay') return true;
    const now = Date.now();
    if (cursor.failing) {
      const last = cursor.lastAttemptAt ? Date.parse(cursor.lastAttemptAt) : 0;
      return reason === 'commit' && now - last >= (this.#options.failingRetryIntervalMs ?? 60_000);
    }
    const due = cursor.nextAttemptAt ? Date.parse(cursor.nextAttemptAt) : 0;
    if (due <= now) return true;
    this.#schedule(cursor.endpointId, cursor.connectionId, due);
    return false;
  }

  /** Delivers batches from the pair's cursor until the feed is read or an attempt fails, holding the lease. */
  async #drain(endpointId: string, connectionId: string, reason: Reason): Promise<void> {
    const endpoint = await webhookEndpointsRepository(this.#store).get(endpointId);
    if (!endpoint?.enabled || (endpoint.connectionId !== null && endpoint.connectionId !== connectionId)) return;
    const connection = await connectionsRepository(this.#store).get(connectionId);
    if (!connection) return;
    const token = randomUUID();
    if (!(await this.#acquire(endpointId, connectionId, token))) return;
    const ref: WebhookConnectionRef = { id: connection.id, name: connection.name, tenantId: connection.tenant };
    const records = recordsRepository(this.#store);
    let wake = reason;
    try {
      while (!this.#stop.signal.aborted) {
        const cursor = await this.#cursors.get(endpointId, connectionId);
        if (!cursor || cursor.lease?.token !== token || !this.#mayAttempt(cursor, wake)) return;
        const fence: CursorFence = { token, generation: cursor.generation };
        // Read the head first: every entry up to it has committed, so an empty read may skip to it.
        const head = await records.lastSeq(connectionId);
        const page = await records.feed(connectionId, {
          since: cursor.lastSeq,
          limit: this.#options.batchSize ?? 500,
          ...(endpoint.models ? { models: endpoint.models } : {}),
        });
        // A retry carries the failed batch's range; a record changed since has left it for a later batch.
        const retryTo = cursor.retryToSeq;
        const entries = retryTo === null ? page.entries : page.entries.filter((e) => e.seq <= retryTo);
        if (retryTo !== null && entries.length === 0) {
          await this.#cursors.advance(endpointId, connectionId, fence, retryTo, { delivered: false });
          continue;
        }
        if (entries.length === 0) {
          // Only entries of models this endpoint does not take (or nothing) are left.
          if (
            head > cursor.lastSeq &&
            !(await this.#cursors.advance(endpointId, connectionId, fence, head, { delivered: false }))
          )
            continue;
          return;
        }
        const renewed = await this.#cursors.renew(
          endpointId,
          connectionId,
          token,
          new Date(Date.now() + this.#leaseTtlMs).toISOString(),
        );
        if (!renewed) return;
        const delivered = await this.#attempt(endpoint, ref, cursor, fence, entries);
        if (!delivered) return;
        wake = 'sweep';
      }
    } finally {
      await this.#cursors.release(endpointId, connectionId, token).catch(() => {});
    }
  }

  /**
   * Sends the endpoint a signed `ping` now, whatever its state (disabled too), and answers how it went. Nothing is
   * logged or retried: it is for checking a receiver by hand.
   */
  async ping(endpointId: string): Promise<PostOutcome & { deliveryId: string }> {
    const endpoint = await webhookEndpointsRepository(this.#store).get(endpointId);
    const deliveryId = randomUUID();
    const outcome =
      endpoint && (await this.#post(endpoint, PING, JSON.stringify(pingPayload(endpoint.id)), deliveryId));
    if (!outcome)
      throw new TenantlinkError('WEBHOOK_NOT_FOUND', `There is no webhook '${endpointId}'.`, { status: 404 });
    return { ...outcome, deliveryId };
  }

  /** One signed POST of an event to the endpoint; undefined when the endpoint is gone. */
  async #post(
    endpoint: StoredWebhookEndpoint,
    event: string,
    body: string,
    deliveryId: string,
  ): Promise<PostOutcome | undefined> {
    const secrets = await this.#deliverySecrets(endpoint.id);
    if (!secrets) return undefined;
    return postWebhook(
      secrets.url ?? endpoint.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': this.#options.userAgent ?? 'tenantlink-webhooks/0.1',
        [SIGNATURE_HEADER]: signWebhookBody(secrets.signing, body, Math.floor(Date.now() / 1000)),
        'tenantlink-delivery': deliveryId,
        'tenantlink-event': event,
      },
      { timeoutMs: this.#timeoutMs, dispatcher: this.#options.outbound.dispatcher() },
    );
  }

  /**
   * The endpoint's secret, then the one before its last rotation while that is kept, and its whole URL when the stored
   * one is masked; undefined once removed.
   */
  async #deliverySecrets(endpointId: string): Promise<{ signing: string[]; url?: string } | undefined> {
    const stored = await webhookEndpointsRepository(this.#store).deliverySecrets(endpointId);
    if (!stored) return undefined;
    const signing = [this.#vault.decrypt(stored.current.ciphertext, webhookSecretContext(endpointId))];
    const { previous } = stored;
    if (previous && Date.parse(previous.expiresAt) > Date.now())
      signing.push(this.#vault.decrypt(previous.ciphertext, webhookPreviousSecretContext(endpointId)));
    if (!stored.url) return { signing };
    return { signing, url: this.#vault.decrypt(stored.url.ciphertext, webhookUrlContext(endpointId)) };
  }

  /** One signed POST of a batch, logged; moves the cursor on a 2xx, else schedules the next attempt. */
  async #attempt(
    endpoint: StoredWebhookEndpoint,
    connection: WebhookConnectionRef,
    cursor: WebhookCursor,
    fence: CursorFence,
    entries: Parameters<typeof recordsChangedPayload>[1],
  ): Promise<boolean> {
    const payload = recordsChangedPayload(connection, entries);
    const deliveryId = randomUUID();
    const attempt = cursor.attempts + 1;
    const attemptedAt = isoNow();
    const outcome = await this.#post(endpoint, RECORDS_CHANGED, JSON.stringify(payload), deliveryId);
    if (!outcome) return false;
    const facts = {
      endpoint: endpoint.id,
      connection: connection.id,
      fromSeq: payload.fromSeq,
      toSeq: payload.toSeq,
      attempt,
      status: outcome.statusCode,
      ms: outcome.durationMs,
    };
    const delay = outcome.ok ? null : nextAttemptDelay(attempt, outcome, this.#options.retry);
    const nextAttemptAt = delay === null ? null : new Date(Date.now() + delay).toISOString();
    // The log first: once the cursor moved, its attempt is there to see.
    await webhookDeliveriesRepository(this.#store)
      .record({
        id: deliveryId,
        endpointId: endpoint.id,
        connectionId: connection.id,
        fromSeq: payload.fromSeq,
        toSeq: payload.toSeq,
        entries: entries.length,
        attempt,
        status: outcome.ok ? 'succeeded' : 'failed',
        statusCode: outcome.statusCode,
        error: outcome.error,
        durationMs: outcome.durationMs,
        nextAttemptAt,
        attemptedAt,
        deliveredAt: outcome.ok ? isoNow() : null,
      })
      .catch((err: unknown) => this.#logFailure(err, 'webhooks: cannot write the delivery log'));
    if (outcome.ok) {
      const moved = await this.#cursors.advance(endpoint.id, connection.id, fence, payload.toSeq, { delivered: true });
      this.#options.logger?.debug({ ...facts, moved }, 'webhook delivered');
      return true;
    }
    await this.#cursors.failed(endpoint.id, connection.id, fence, {
      attempts: attempt,
      retryToSeq: payload.toSeq,
      failing: delay === null,
      nextAttemptAt,
      error: outcome.error ?? 'failed',
    });
    if (delay === null) {
      this.#options.logger?.error(
        { ...facts, error: outcome.error },
        'webhook endpoint failing: attempts ran out; retried on the next commit or a replay',
      );
    } else {
      this.#options.logger?.warn({ ...facts, error: outcome.error, nextAttemptAt }, 'webhook delivery failed');
      this.#schedule(endpoint.id, connection.id, Date.now() + delay);
    }
    return false;
  }

  #logFailure(err: unknown, message: string, facts: Record<string, unknown> = {}): void {
    const e = err as { code?: unknown; message?: unknown };
    this.#options.logger?.error({ ...facts, err: { code: e?.code, message: e?.message } }, message);
  }
}
