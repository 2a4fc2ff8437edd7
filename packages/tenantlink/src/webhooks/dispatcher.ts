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
import type { Store } from '../store/database.js';
import { isoNow } from '../store/schema.js';
import {
  type CursorFence,
  type DeliveryCursor,
  type DeliveryCursorState,
  webhookCursorsRepository,
} from '../store/webhook-cursors-repository.js';
import { webhookDeliveriesRepository } from '../store/webhook-deliveries-repository.js';
import { type StoredWebhookEndpoint, webhookEndpointsRepository } from '../store/webhook-endpoints-repository.js';
import { webhookEventCursorsRepository } from '../store/webhook-event-cursors-repository.js';
import { webhookEventsRepository } from '../store/webhook-events-repository.js';
import { holderIsGone, processHolder } from '../sync/lease.js';
import { DEFAULT_FEED_RETENTION_DAYS } from '../sync/service.js';
import { type DeliverySource, eventSource, feedSource, type PendingDelivery } from './delivery-source.js';
import { type FeedListener, listenForFeedCommits } from './feed-listener.js';
import { PING, pingPayload } from './payload.js';
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
  /**
   * Days a lifecycle event is kept once every endpoint that takes it has it: the feed's retention (default 30; 0: for
   * ever).
   */
  eventRetentionDays?: number | undefined;
  /** PostgreSQL: also LISTEN for commits and events of other processes (a connection of its own to this URL). */
  listen?: { databaseUrl: string } | undefined;
  /** Where deliveries may go: every connection is checked against it (no private networks unless allowed). */
  outbound: OutboundPolicy;
  userAgent?: string;
}

/**
 * What a dispatcher delivers in order, one attempt at a time: an endpoint's feed of one connection (a pair), or an
 * endpoint's lifecycle events.
 */
type Lane = { kind: 'feed'; endpointId: string; connectionId: string } | { kind: 'events'; endpointId: string };

/** What woke a lane: a commit (or a published event) may try a failing lane again; a replay skips any wait. */
type Reason = 'sweep' | 'timer' | 'commit' | 'replay';
const STRENGTH: Record<Reason, number> = { sweep: 0, timer: 0, commit: 1, replay: 2 };

const feedLane = (endpointId: string, connectionId: string): Lane => ({ kind: 'feed', endpointId, connectionId });
const eventsLane = (endpointId: string): Lane => ({ kind: 'events', endpointId });
const laneKey = (lane: Lane) =>
  lane.kind === 'feed' ? `${lane.endpointId}\u0000${lane.connectionId}` : `${lane.endpointId}\u0001events`;

/**
 * Delivers each connection's change feed, and the lifecycle events, to the webhook endpoints that take them: in order,
 * at least once, one delivery in flight per lane (an endpoint and connection, or an endpoint's events) across all
 * processes (a lease on the lane's cursor row), the cursor moved only on a 2xx. Woken by commits and published events
 * in this process, by PostgreSQL notifications from others, by retry timers, and by a periodic sweep that also
 * catches up after a crash.
 */
export class WebhookDispatcher {
  readonly #store: Store;
  readonly #vault: Vault;
  readonly #options: WebhookDispatcherOptions;
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
        onEvents: () => this.eventsPublished(),
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
        for (const endpoint of endpoints) this.#kick(feedLane(endpoint.id, event.connectionId), 'commit');
      })
      .catch((err: unknown) => this.#logFailure(err, 'webhooks: cannot read endpoints after a commit'));
  }

  /** Lifecycle events were published and their transaction committed: wake every enabled endpoint's events. */
  eventsPublished(): void {
    if (this.#stop.signal.aborted) return;
    webhookEndpointsRepository(this.#store)
      .list()
      .then((endpoints) => {
        for (const endpoint of endpoints) if (endpoint.enabled) this.#kick(eventsLane(endpoint.id), 'commit');
      })
      .catch((err: unknown) => this.#logFailure(err, 'webhooks: cannot read endpoints after an event'));
  }

  /** A replay moved a cursor: deliver from there now. */
  replayed(endpointId: string, connectionId: string): void {
    this.#kick(feedLane(endpointId, connectionId), 'replay');
  }

  /** A replay moved an endpoint's events cursor: deliver from there now. */
  eventsReplayed(endpointId: string): void {
    this.#kick(eventsLane(endpointId), 'replay');
  }

  /** Resolves when nothing is being delivered in this process (for tests and orderly shutdowns). */
  async idle(): Promise<void> {
    await this.#sweeping;
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()]);
  }

  /** Finds every lane behind its feed or the events whose next attempt is due and free of other processes; wakes it. */
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
      const feedCursors = webhookCursorsRepository(this.#store);
      const heads = await feedCursors.feedHeads();
      const cursors = new Map(
        (await feedCursors.list()).map((c) => [laneKey(feedLane(c.endpointId, c.connectionId)), c]),
      );
      const eventHead = await webhookEventsRepository(this.#store).head();
      const eventCursors = new Map(
        (await webhookEventCursorsRepository(this.#store).list()).map((c) => [c.endpointId, c]),
      );
      const now = Date.now();
      for (const endpoint of endpoints) {
        const connectionIds = endpoint.connectionId ? [endpoint.connectionId] : [...heads.keys()];
        for (const connectionId of connectionIds) {
          const lane = feedLane(endpoint.id, connectionId);
          const cursor = cursors.get(laneKey(lane));
          if ((heads.get(connectionId) ?? 0) > (cursor?.lastSeq ?? 0)) this.#wakeIfDue(lane, cursor, now);
        }
        const events = eventCursors.get(endpoint.id);
        if (events && eventHead > events.lastSeq) this.#wakeIfDue(eventsLane(endpoint.id), events, now);
      }
    }
    await this.#prune();
  }

  /** Wakes a lane that is behind unless it is failing, waits for its next attempt, or another process holds it. */
  #wakeIfDue(lane: Lane, cursor: DeliveryCursorState | undefined, now: number): void {
    if (cursor?.failing) return;
    const due = cursor?.nextAttemptAt ? Date.parse(cursor.nextAttemptAt) : 0;
    if (due > now) {
      this.#schedule(lane, due);
      return;
    }
    if (cursor?.lease && Date.parse(cursor.lease.expiresAt) > now && !holderIsGone(cursor.lease.holder)) return;
    this.#kick(lane, 'sweep');
  }

  async #prune(): Promise<void> {
    if (Date.now() - this.#lastPrune < 3_600_000) return;
    this.#lastPrune = Date.now();
    const retention = this.#options.deliveryRetentionMs ?? 14 * 86_400_000;
    await webhookDeliveriesRepository(this.#store).prune(new Date(Date.now() - retention).toISOString());
    const eventDays = this.#options.eventRetentionDays ?? DEFAULT_FEED_RETENTION_DAYS;
    if (eventDays > 0)
      await webhookEventsRepository(this.#store).prune(new Date(Date.now() - eventDays * 86_400_000).toISOString());
  }

  #kick(lane: Lane, reason: Reason): void {
    if (this.#stop.signal.aborted) return;
    const key = laneKey(lane);
    if (this.#active.has(key)) {
      const before = this.#again.get(key);
      if (!before || STRENGTH[reason] > STRENGTH[before]) this.#again.set(key, reason);
      return;
    }
    const run = this.#withSlot(() => this.#drain(lane, reason))
      .catch((err: unknown) => this.#logFailure(err, 'webhooks: delivery loop failed', { ...lane }))
      .finally(() => {
        this.#active.delete(key);
        const again = this.#again.get(key);
        this.#again.delete(key);
        if (again) this.#kick(lane, again);
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

  #schedule(lane: Lane, at: number): void {
    if (this.#stop.signal.aborted) return;
    const key = laneKey(lane);
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.#timers.delete(key);
        this.#kick(lane, 'timer');
      },
      Math.min(Math.max(0, at - Date.now()), 2 ** 31 - 1),
    );
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Takes the lane's lease, from a dead process on this machine if need be. */
  async #acquire(cursor: DeliveryCursor, token: string): Promise<boolean> {
    const lease = () => ({
      token,
      holder: this.#holder,
      expiresAt: new Date(Date.now() + this.#leaseTtlMs).toISOString(),
    });
    if (await cursor.acquire(lease())) return true;
    const current = (await cursor.get())?.lease;
    if (!current || !holderIsGone(current.holder)) return false;
    return cursor.acquire(lease(), { replacing: current.token });
  }

  /** Whether this wake-up may make an attempt now; otherwise a timer is set for when one is due. */
  #mayAttempt(lane: Lane, cursor: DeliveryCursorState, reason: Reason): boolean {
    if (reason === 'replay') return true;
    const now = Date.now();
    if (cursor.failing) {
      const last = cursor.lastAttemptAt ? Date.parse(cursor.lastAttemptAt) : 0;
      return reason === 'commit' && now - last >= (this.#options.failingRetryIntervalMs ?? 60_000);
    }
    const due = cursor.nextAttemptAt ? Date.parse(cursor.nextAttemptAt) : 0;
    if (due <= now) return true;
    this.#schedule(lane, due);
    return false;
  }

  /** Delivers from the lane's cursor until it is caught up or an attempt fails, holding the lease. */
  async #drain(lane: Lane, reason: Reason): Promise<void> {
    const endpoint = await webhookEndpointsRepository(this.#store).get(lane.endpointId);
    if (!endpoint?.enabled) return;
    const source: DeliverySource | undefined =
      lane.kind === 'feed'
        ? await feedSource(this.#store, endpoint, lane.connectionId, this.#options.batchSize ?? 500)
        : eventSource(this.#store, endpoint);
    if (!source) return;
    const token = randomUUID();
    if (!(await this.#acquire(source.cursor, token))) return;
    let wake = reason;
    try {
      while (!this.#stop.signal.aborted) {
        const cursor = await source.cursor.get();
        if (!cursor || cursor.lease?.token !== token || !this.#mayAttempt(lane, cursor, wake)) return;
        const fence: CursorFence = { token, generation: cursor.generation };
        const next = await source.next(cursor);
        if (!next) return;
        if ('skipTo' in next) {
          // A cursor fenced off meanwhile (a replay, a lost lease) is read again, and then left as it is.
          await source.cursor.advance(fence, next.skipTo, { delivered: false });
          continue;
        }
        const renewed = await source.cursor.renew(token, new Date(Date.now() + this.#leaseTtlMs).toISOString());
        if (!renewed) return;
        const delivered = await this.#attempt(endpoint, lane, source.cursor, cursor, fence, next.deliver);
        if (!delivered) return;
        wake = 'sweep';
      }
    } finally {
      await source.cursor.release(token).catch(() => {});
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

  /** One signed POST, logged; moves the cursor on a 2xx, else schedules the next attempt. */
  async #attempt(
    endpoint: StoredWebhookEndpoint,
    lane: Lane,
    cursor: DeliveryCursor,
    state: DeliveryCursorState,
    fence: CursorFence,
    delivery: PendingDelivery,
  ): Promise<boolean> {
    const { content } = delivery;
    const deliveryId = randomUUID();
    const attempt = state.attempts + 1;
    const attemptedAt = isoNow();
    const outcome = await this.#post(endpoint, delivery.event, delivery.body, deliveryId);
    if (!outcome) return false;
    const facts = {
      endpoint: endpoint.id,
      connection: content.connectionId,
      ...(content.event ? { event: content.event.type, eventId: content.event.id } : {}),
      fromSeq: content.fromSeq,
      toSeq: content.toSeq,
      attempt,
      status: outcome.statusCode,
      ms: outcome.durationMs,
    };
    const delay = outcome.ok ? null : nextAttemptDelay(attempt, outcome, this.#options.retry);
    const nextAttemptAt = delay === null ? null : new Date(Date.now() + delay).toISOString();
    // The log first: once the cursor moved, its attempt is there to see.
    await webhookDeliveriesRepository(this.#store)
      .record({
        ...content,
        id: deliveryId,
        endpointId: endpoint.id,
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
      const moved = await cursor.advance(fence, delivery.toSeq, { delivered: true });
      this.#options.logger?.debug({ ...facts, moved }, 'webhook delivered');
      return true;
    }
    await cursor.failed(fence, {
      attempts: attempt,
      retryToSeq: delivery.toSeq,
      failing: delay === null,
      nextAttemptAt,
      error: outcome.error ?? 'failed',
    });
    if (delay === null) {
      this.#options.logger?.error(
        { ...facts, error: outcome.error },
        lane.kind === 'feed'
          ? 'webhook endpoint failing: attempts ran out; retried on the next commit or a replay'
          : 'webhook endpoint failing for events: attempts ran out; retried on the next event or a replay',
      );
    } else {
      this.#options.logger?.warn({ ...facts, error: outcome.error, nextAttemptAt }, 'webhook delivery failed');
      this.#schedule(lane, Date.now() + delay);
    }
    return false;
  }

  #logFailure(err: unknown, message: string, facts: Record<string, unknown> = {}): void {
    const e = err as { code?: unknown; message?: unknown };
    this.#options.logger?.error({ ...facts, err: { code: e?.code, message: e?.message } }, message);
  }
}
