import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type Vault,
  webhookPreviousSecretContext,
  webhookSecretContext,
  webhookUrlContext,
} from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import { InProcessJobRunner } from '../jobs/in-process-runner.js';
import type { JobContext, JobRunner } from '../jobs/runner.js';
import type { Logger } from '../logging/index.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { Store } from '../store/database.js';
import { type Database, isoNow } from '../store/schema.js';
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
import { PING, pingPayload } from './payload.js';
import { type PostOutcome, postWebhook } from './post-webhook.js';
import { nextAttemptDelay, type WebhookRetryOptions } from './retry-schedule.js';
import { SIGNATURE_HEADER, signWebhookBody } from './signature.js';

/** The job kinds of deliveries: an endpoint's feed of one connection, and an endpoint's lifecycle events. */
export const FEED_DELIVERY_JOB = 'webhook.feed';
export const EVENTS_DELIVERY_JOB = 'webhook.events';

export interface WebhookDispatcherOptions {
  store: Store;
  vault: Vault;
  logger?: Logger | undefined;
  /**
   * The job runner deliveries go through: the server's (the shared queue on PostgreSQL), so any worker may deliver.
   * Without one the dispatcher runs an in-process runner of its own.
   */
  runner?: JobRunner | undefined;
  /** Most feed entries in one delivery. Default 500. */
  batchSize?: number;
  /** How long the endpoint has to answer. Default 10 s. */
  timeoutMs?: number;
  retry?: WebhookRetryOptions;
  /**
   * How often to look for endpoints behind their feed that no job covers: commits of a process that enqueues none (a
   * CLI sync) and lanes whose delivery was lost with a crash. Default 5 s on SQLite, 30 s on PostgreSQL (where each
   * commit enqueues its deliveries in its own transaction).
   */
  pollIntervalMs?: number;
  /** How long a lane's cursor lease lasts; it is renewed before each attempt. Default max(30 s, 3 × timeout). */
  leaseTtlMs?: number;
  /** Deliveries in flight at once in this process, for a runner of its own. Default 8. */
  concurrency?: number;
  /** A failing lane is tried again on a commit at most this often. Default 60 s. */
  failingRetryIntervalMs?: number;
  /** How long the delivery log keeps attempts. Default 14 days. */
  deliveryRetentionMs?: number;
  /**
   * Days a lifecycle event is kept once every endpoint that takes it has it: the feed's retention (default 30; 0: for
   * ever).
   */
  eventRetentionDays?: number | undefined;
  /** Where deliveries may go: every connection is checked against it (no private networks unless allowed). */
  outbound: OutboundPolicy;
  userAgent?: string;
}

/**
 * What is delivered in order, one attempt at a time: an endpoint's feed of one connection, or an endpoint's lifecycle
 * events. Each is a job key: one job per lane runs at a time, over every process of the queue.
 */
type Lane = { kind: 'feed'; endpointId: string; connectionId: string } | { kind: 'events'; endpointId: string };

interface LanePayload {
  endpointId: string;
}

const feedLane = (endpointId: string, connectionId: string): Lane => ({ kind: 'feed', endpointId, connectionId });
const eventsLane = (endpointId: string): Lane => ({ kind: 'events', endpointId });
/** The lane's job key. */
const laneKey = (lane: Lane) =>
  lane.kind === 'feed' ? `${lane.endpointId}/${lane.connectionId}` : `${lane.endpointId}/events`;

/** A job keeps its lane for at most this many batches, then hands over to a follow-up (others' jobs get a turn). */
const BATCHES_PER_JOB = 20;

/**
 * Delivers each connection's change feed, and the lifecycle events, to the webhook endpoints that take them: in order,
 * at least once, through the job runner. Each lane (an endpoint and a connection, or an endpoint's events) is a job
 * key, so one job per lane runs at a time; on PostgreSQL the shared queue makes that hold over every process, and a
 * page of a sync enqueues its lanes in its own transaction. A job delivers from the lane's cursor until it is caught
 * up, an attempt fails (its retry is a delayed follow-up job), or it has sent its share of batches.
 *
 * The cursor row keeps a lease while a job works on it. With the shared queue it fences off a job that outlived its
 * expiry; between processes that each run their own queue (SQLite), it is what keeps them apart.
 */
export class WebhookDispatcher {
  readonly #store: Store;
  readonly #vault: Vault;
  readonly #options: WebhookDispatcherOptions;
  readonly #runner: JobRunner;
  readonly #ownRunner: boolean;
  readonly #holder = processHolder();
  readonly #stop = new AbortController();
  readonly #active = new Set<Promise<unknown>>();
  #interval: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #lastPrune = 0;
  #started = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#store = options.store;
    this.#vault = options.vault;
    this.#options = options;
    this.#ownRunner = options.runner === undefined;
    this.#runner =
      options.runner ??
      new InProcessJobRunner({ store: options.store, concurrency: options.concurrency ?? 8, resumeUnfinished: false });
    // Deliveries do not read Graph: the tenant's job slots are not theirs to take. A job is bounded (its share of
    // batches, each within the timeout), well within the queue's expiry.
    const jobOptions = { perTenant: false };
    this.#runner.register<LanePayload>(
      FEED_DELIVERY_JOB,
      (job) => this.#track(this.#drain(feedLane(job.payload.endpointId, job.connectionId), job)),
      jobOptions,
    );
    this.#runner.register<LanePayload>(
      EVENTS_DELIVERY_JOB,
      (job) => this.#track(this.#drain(eventsLane(job.payload.endpointId), job)),
      jobOptions,
    );
  }

  get #timeoutMs() {
    return this.#options.timeoutMs ?? 10_000;
  }

  get #leaseTtlMs() {
    return this.#options.leaseTtlMs ?? Math.max(30_000, 3 * this.#timeoutMs);
  }

  /**
   * Whether a commit may enqueue its deliveries in its own transaction (`committing`): the runner is the shared queue.
   * Otherwise call `committed` once the transaction has committed.
   */
  get transactional(): boolean {
    return this.#runner.transactional;
  }

  /** Looks for lanes behind at once, then periodically (starting its own runner, if it has one). */
  async start(): Promise<void> {
    if (this.#started || this.#stop.signal.aborted) return;
    this.#started = true;
    if (this.#ownRunner) await this.#runner.start();
    const every = this.#options.pollIntervalMs ?? (this.#store.dialect === 'postgres' ? 30_000 : 5000);
    this.#interval = setInterval(() => void this.sweep(), every);
    this.#interval.unref();
    void this.sweep();
  }

  /** Stops looking for work; deliveries in flight finish (each bounded by the timeout), queued ones stay queued. */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#interval) clearInterval(this.#interval);
    await this.#sweeping;
    if (this.#ownRunner) await this.#runner.stop();
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
  }

  /**
   * In the transaction of a commit that wrote feed entries for this connection (the shared queue): enqueues a delivery
   * for every endpoint that takes them, so that the job exists exactly when the entries do.
   */
  async committing(db: Kysely<Database>, event: { connectionId: string }): Promise<void> {
    await this.#enqueueFeeds(event.connectionId, db);
  }

  /**
   * A commit wrote feed entries for this connection: enqueue every endpoint that takes them (after the commit, for a
   * runner of this process), or take the jobs `committing` enqueued at once.
   */
  committed(event: { connectionId: string }): void {
    if (this.#stop.signal.aborted) return;
    if (this.transactional) {
      this.#runner.wake(FEED_DELIVERY_JOB);
      return;
    }
    this.#background(
      () => this.#enqueueFeeds(event.connectionId),
      'webhooks: cannot enqueue deliveries after a commit',
    );
  }

  /** In the transaction that published lifecycle events (the shared queue): enqueue every enabled endpoint's events. */
  async publishing(db: Kysely<Database>): Promise<void> {
    await this.#enqueueEvents(db);
  }

  /** Lifecycle events were published and their transaction committed. */
  eventsPublished(): void {
    if (this.#stop.signal.aborted) return;
    if (this.transactional) {
      this.#runner.wake(EVENTS_DELIVERY_JOB);
      return;
    }
    this.#background(() => this.#enqueueEvents(), 'webhooks: cannot enqueue deliveries after an event');
  }

  /** Enqueues the connection's lane of every enabled endpoint that takes it; in `db`'s transaction when given. */
  async #enqueueFeeds(connectionId: string, db?: Kysely<Database>): Promise<void> {
    const endpoints = webhookEndpointsRepository(db ? { db, dialect: this.#store.dialect } : this.#store);
    for (const endpoint of await endpoints.enabledFor(connectionId))
      await this.#enqueue(feedLane(endpoint.id, connectionId), {}, db ? { db } : {});
  }

  /** Enqueues the events lane of every enabled endpoint; in `db`'s transaction when given. */
  async #enqueueEvents(db?: Kysely<Database>): Promise<void> {
    const endpoints = webhookEndpointsRepository(db ? { db, dialect: this.#store.dialect } : this.#store);
    for (const endpoint of await endpoints.list())
      if (endpoint.enabled) await this.#enqueue(eventsLane(endpoint.id), {}, db ? { db } : {});
  }

  /** A replay moved a cursor: deliver from there now, whatever retry was waiting. */
  replayed(endpointId: string, connectionId: string): void {
    this.#background(
      () => this.#enqueue(feedLane(endpointId, connectionId), { expedite: true }),
      'webhooks: cannot enqueue a replay',
    );
  }

  /** A replay moved an endpoint's events cursor: deliver from there now. */
  eventsReplayed(endpointId: string): void {
    this.#background(
      () => this.#enqueue(eventsLane(endpointId), { expedite: true }),
      'webhooks: cannot enqueue a replay',
    );
  }

  /** Resolves when nothing is being delivered or waits to be (for tests and orderly shutdowns). */
  async idle(): Promise<void> {
    await this.#sweeping;
    if (this.#ownRunner) await this.#runner.whenIdle();
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
  }

  /**
   * Enqueues every lane behind its feed (or its events) that is not failing and not held by a live job, and prunes
   * the log now and then. Idempotent: a lane with a job waiting joins it.
   */
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
          if ((heads.get(connectionId) ?? 0) > (cursor?.lastSeq ?? 0)) await this.#enqueueIfNeeded(lane, cursor, now);
        }
        const events = eventCursors.get(endpoint.id);
        if (events && eventHead > events.lastSeq) await this.#enqueueIfNeeded(eventsLane(endpoint.id), events, now);
      }
    }
    await this.#prune();
  }

  async #enqueueIfNeeded(lane: Lane, cursor: DeliveryCursorState | undefined, now: number): Promise<void> {
    if (cursor?.failing) return;
    if (cursor?.lease && Date.parse(cursor.lease.expiresAt) > now && !holderIsGone(cursor.lease.holder)) return;
    const due = cursor?.nextAttemptAt ? Date.parse(cursor.nextAttemptAt) : 0;
    // Free and due: a job waiting for the lease to end (or for later) may go now.
    await this.#enqueue(lane, { delayMs: Math.max(0, due - now), expedite: true });
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

  async #enqueue(
    lane: Lane,
    request: { delayMs?: number; expedite?: boolean } = {},
    options: { db?: Kysely<Database> } = {},
  ): Promise<void> {
    const payload: LanePayload = { endpointId: lane.endpointId };
    await this.#runner.enqueue(
      {
        ...(lane.kind === 'feed'
          ? { kind: FEED_DELIVERY_JOB, connectionId: lane.connectionId }
          : { kind: EVENTS_DELIVERY_JOB, connectionId: '' }),
        key: laneKey(lane),
        payload,
        ...request,
      },
      options,
    );
  }

  /** A follow-up job for the lane, enqueued after the current one's work (the runner makes it wait for this one). */
  async #followUp(lane: Lane, delayMs = 0): Promise<void> {
    if (this.#stop.signal.aborted) return;
    await this.#enqueue(lane, { delayMs }).catch((err: unknown) => {
      // Stopping: the look for lanes behind at the next start finds this one.
      if ((err as { code?: string }).code !== 'JOB_RUNNER_STOPPED') throw err;
    });
  }

  #background(work: () => Promise<void>, failure: string): void {
    if (this.#stop.signal.aborted) return;
    void this.#track(work().catch((err: unknown) => this.#logFailure(err, failure)));
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#active.add(work);
    void work.finally(() => this.#active.delete(work)).catch(() => {});
    return work;
  }

  /** Takes the lane's lease: free, expired, or held by a dead process of this machine. */
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

  /**
   * How long to wait before the next attempt on this cursor: 0 for now, else until a retry is due, or, for a failing
   * lane, until its interval since the last attempt has passed; null when this job may not try a failing lane (it was
   * asked for before that lane's last attempt, so no commit or event has come since).
   */
  #waitBeforeAttempt(cursor: DeliveryCursorState, enqueuedAt: number): number | null {
    const now = Date.now();
    if (cursor.failing) {
      const last = cursor.lastAttemptAt ? Date.parse(cursor.lastAttemptAt) : 0;
      // Only a job asked for since the last attempt (a commit, an event) tries a failing lane again.
      if (enqueuedAt <= last) return null;
      return Math.max(0, last + (this.#options.failingRetryIntervalMs ?? 60_000) - now);
    }
    const due = cursor.nextAttemptAt ? Date.parse(cursor.nextAttemptAt) : 0;
    return Math.max(0, due - now);
  }

  /** One job of a lane: delivers from its cursor until caught up, an attempt failed, or its share of batches is sent. */
  async #drain(lane: Lane, job: JobContext<LanePayload>): Promise<void> {
    const endpoint = await webhookEndpointsRepository(this.#store).get(lane.endpointId);
    if (!endpoint?.enabled) return;
    const source: DeliverySource | undefined =
      lane.kind === 'feed'
        ? await feedSource(this.#store, endpoint, lane.connectionId, this.#options.batchSize ?? 500)
        : eventSource(this.#store, endpoint);
    if (!source) return;
    const token = randomUUID();
    if (!(await this.#acquire(source.cursor, token))) {
      // Another job holds it (a process of its own queue, or one that outlived its expiry): try once its lease ends.
      const lease = (await source.cursor.get())?.lease;
      await this.#followUp(lane, lease ? Math.max(250, Date.parse(lease.expiresAt) - Date.now() + 250) : 250);
      return;
    }
    try {
      for (let batches = 0; !job.signal.aborted && !this.#stop.signal.aborted; ) {
        const cursor = await source.cursor.get();
        if (!cursor || cursor.lease?.token !== token) return;
        const wait = this.#waitBeforeAttempt(cursor, job.enqueuedAt);
        if (wait === null) return;
        if (wait > 0) {
          // Not due yet: a failing lane waits its interval once a commit asked; a retry waits its backoff.
          await this.#followUp(lane, wait);
          return;
        }
        const fence: CursorFence = { token, generation: cursor.generation };
        const next = await source.next(cursor);
        if (!next) return;
        if ('skipTo' in next) {
          // A cursor fenced off meanwhile (a replay, a lost lease) is read again, and then left as it is.
          await source.cursor.advance(fence, next.skipTo, { delivered: false });
          continue;
        }
        if (batches >= BATCHES_PER_JOB) {
          await this.#followUp(lane);
          return;
        }
        const renewed = await source.cursor.renew(token, new Date(Date.now() + this.#leaseTtlMs).toISOString());
        if (!renewed) return;
        // The range is fixed before the first attempt: after a crash the same range goes again, under the same id.
        let pinned = cursor.retryToSeq;
        if (pinned === null) {
          if (!(await source.cursor.pin(fence, next.deliver.toSeq))) return;
          pinned = next.deliver.toSeq;
        }
        const retryIn = await this.#attempt(endpoint, lane, source.cursor, cursor, fence, next.deliver, pinned);
        if (retryIn === 'delivered') {
          batches += 1;
          continue;
        }
        if (retryIn !== null) await this.#followUp(lane, retryIn);
        return;
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

  /**
   * One signed POST, logged; moves the cursor on a 2xx (`delivered`), else records the failure and answers when to try
   * again (null: the attempts ran out, or the endpoint is gone).
   */
  async #attempt(
    endpoint: StoredWebhookEndpoint,
    lane: Lane,
    cursor: DeliveryCursor,
    state: DeliveryCursorState,
    fence: CursorFence,
    delivery: PendingDelivery,
    pinnedToSeq: number,
  ): Promise<'delivered' | number | null> {
    const { content } = delivery;
    const deliveryId = deliveryIdOf(lane, fence.generation, state.lastSeq, pinnedToSeq);
    const attempt = state.attempts + 1;
    const attemptedAt = isoNow();
    const outcome = await this.#post(endpoint, delivery.event, delivery.body, deliveryId);
    if (!outcome) return null;
    const facts = {
      endpoint: endpoint.id,
      connection: content.connectionId,
      ...(content.event ? { event: content.event.type, eventId: content.event.id } : {}),
      fromSeq: content.fromSeq,
      toSeq: content.toSeq,
      deliveryId,
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
        id: randomUUID(),
        deliveryId,
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
      return moved ? 'delivered' : null;
    }
    await cursor.failed(fence, {
      attempts: attempt,
      retryToSeq: pinnedToSeq,
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
    }
    return delay;
  }

  #logFailure(err: unknown, message: string, facts: Record<string, unknown> = {}): void {
    const e = err as { code?: unknown; message?: unknown };
    this.#options.logger?.error({ ...facts, err: { code: e?.code, message: e?.message } }, message);
  }
}

/**
 * A delivery's id, the same on every attempt of it: the lane, the cursor's generation (a replay makes new ids), and
 * the range it carries (pinned before the first attempt). Shaped as a UUID.
 */
export function deliveryIdOf(lane: Lane, generation: number, afterSeq: number, toSeq: number): string {
  const laneKey = lane.kind === 'feed' ? `feed/${lane.endpointId}/${lane.connectionId}` : `events/${lane.endpointId}`;
  const hex = createHash('sha256').update(`${laneKey}/${generation}/${afterSeq}/${toSeq}`).digest('hex');
  // Version 8 (custom) and the RFC 4122 variant, so that it parses as a UUID.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
