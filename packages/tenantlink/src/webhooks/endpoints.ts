import { randomUUID } from 'node:crypto';
import type { ConnectionService } from '../connections/service.js';
import {
  type Vault,
  webhookPreviousSecretContext,
  webhookSecretContext,
  webhookUrlContext,
} from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { StoreHandle } from '../store/schema.js';
import {
  type WebhookCursor,
  type WebhookCursorsRepository,
  webhookCursorsRepository,
} from '../store/webhook-cursors-repository.js';
import {
  type WebhookDeliveriesRepository,
  type WebhookDelivery,
  webhookDeliveriesRepository,
} from '../store/webhook-deliveries-repository.js';
import {
  type StoredWebhookEndpoint,
  type WebhookEndpointsRepository,
  webhookEndpointsRepository,
} from '../store/webhook-endpoints-repository.js';
import {
  type WebhookEventCursor,
  type WebhookEventCursorsRepository,
  webhookEventCursorsRepository,
} from '../store/webhook-event-cursors-repository.js';
import { type WebhookEventsRepository, webhookEventsRepository } from '../store/webhook-events-repository.js';
import { checkFeedCursor } from '../sync/feed-retention.js';
import { checkWebhookUrl, maskQuery, type WebhookUrl } from './endpoint-url.js';
import { generateWebhookSecret } from './signature.js';

/** The longest an old signing secret stays in use after a rotation: a week. */
export const MAX_KEEP_PREVIOUS_HOURS = 168;

export interface WebhookEndpointInput {
  url: string;
  /** A connection's id or name; absent for every connection. */
  connection?: string | null;
  /** Only these models (`users`, `groups`, `memberships`, ...); absent for all. */
  models?: readonly string[] | null;
  description?: string | null;
  enabled?: boolean;
}

export type WebhookEndpointChangesInput = Partial<
  Pick<WebhookEndpointInput, 'url' | 'models' | 'description' | 'enabled'>
>;

/** Where an endpoint stands in one connection's feed. */
export interface WebhookCursorView {
  connectionId: string;
  /** The last sequence number delivered (or passed over as another model's). */
  lastSeq: number;
  /** The connection's feed head: lastSeq < feedLastSeq means entries may be waiting. */
  feedLastSeq: number;
  /** Failed attempts in a row. */
  attempts: number;
  failing: boolean;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastDeliveredAt: string | null;
  lastError: string | null;
}

/** Where an endpoint stands in the lifecycle events. */
export interface WebhookEventsView {
  /** The last event sequence number delivered (or passed over as not this endpoint's). */
  lastSeq: number;
  /** The events' head: lastSeq < eventsLastSeq means events may be waiting. */
  eventsLastSeq: number;
  attempts: number;
  failing: boolean;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastDeliveredAt: string | null;
  lastError: string | null;
}

/**
 * `disabled`; `failing` when the attempts ran out for some connection or for the events (retried on the next commit
 * or event, or a replay); `retrying` while a delivery waits for its next attempt; `active` otherwise.
 */
export type WebhookEndpointStatus = 'active' | 'retrying' | 'failing' | 'disabled';

export interface WebhookEndpointView extends StoredWebhookEndpoint {
  status: WebhookEndpointStatus;
  cursors: WebhookCursorView[];
  events: WebhookEventsView;
}

export interface WebhookEndpointsOptions {
  store: StoreHandle;
  vault: Vault;
  connections: ConnectionService;
  /** The models the feed has; `models` filters are checked against it when given. */
  models?: readonly string[];
  /** Told after a replay moved a cursor (the dispatcher delivers from there). */
  onReplay?: (endpointId: string, connectionId: string) => void;
  /** Told after a replay moved an endpoint's events cursor. */
  onEventsReplay?: (endpointId: string) => void;
  /** Where webhook URLs may point (checked when saved; deliveries are checked again when they connect). */
  outbound: OutboundPolicy;
}

/**
 * Webhook endpoints: add one (its secret is made here, shown once, and kept encrypted by the vault), list them with
 * where each stands in each connection's feed and in the lifecycle events, change or remove them, read their delivery
 * log, and replay.
 */
export class WebhookEndpoints {
  readonly #endpoints: WebhookEndpointsRepository;
  readonly #cursors: WebhookCursorsRepository;
  readonly #events: WebhookEventsRepository;
  readonly #eventCursors: WebhookEventCursorsRepository;
  readonly #deliveries: WebhookDeliveriesRepository;
  readonly #options: WebhookEndpointsOptions;

  constructor(options: WebhookEndpointsOptions) {
    this.#endpoints = webhookEndpointsRepository(options.store);
    this.#cursors = webhookCursorsRepository(options.store);
    this.#events = webhookEventsRepository(options.store);
    this.#eventCursors = webhookEventCursorsRepository(options.store);
    this.#deliveries = webhookDeliveriesRepository(options.store);
    this.#options = options;
  }

  /** Adds an endpoint; the secret is returned only here. */
  async add(input: WebhookEndpointInput): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    const url = checkWebhookUrl(input.url, this.#options.outbound);
    const models = this.#checkModels(input.models);
    const connectionId = input.connection ? (await this.#options.connections.show(input.connection)).id : null;
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const ciphertext = this.#options.vault.encrypt(secret, webhookSecretContext(id));
    await this.#endpoints.create({
      id,
      url: url.shown,
      urlSecret: this.#sealUrl(id, url),
      description: checkDescription(input.description),
      connectionId,
      models,
      enabled: input.enabled !== false,
      secret: { ciphertext, keyId: this.#options.vault.keyIdOf(ciphertext) },
    });
    return { endpoint: await this.show(id), secret };
  }

  async list(): Promise<WebhookEndpointView[]> {
    const heads = await this.#heads();
    const cursors = await this.#cursors.list();
    const eventCursors = new Map((await this.#eventCursors.list()).map((c) => [c.endpointId, c]));
    return (await this.#endpoints.list()).map((e) =>
      viewOf(
        e,
        cursors.filter((c) => c.endpointId === e.id),
        eventCursors.get(e.id),
        heads,
      ),
    );
  }

  /** WEBHOOK_NOT_FOUND (404) when there is no such endpoint. */
  async show(id: string): Promise<WebhookEndpointView> {
    const endpoint = await this.#find(id);
    return viewOf(endpoint, await this.#cursors.list(id), await this.#eventCursors.get(id), await this.#heads());
  }

  async update(id: string, changes: WebhookEndpointChangesInput): Promise<WebhookEndpointView> {
    await this.#find(id);
    await this.#endpoints.update(id, {
      ...(changes.url !== undefined
        ? { url: this.#storedUrl(id, checkWebhookUrl(changes.url, this.#options.outbound)) }
        : {}),
      ...(changes.models !== undefined ? { models: this.#checkModels(changes.models) } : {}),
      ...(changes.description !== undefined ? { description: checkDescription(changes.description) } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
    });
    return this.show(id);
  }

  /**
   * A new signing secret, returned only here. The old one stays in use beside it for `keepPreviousHours` (default 24,
   * at most 168; 0 drops it at once): each delivery carries a signature with each, so the receiver can move to the new
   * secret without rejecting a delivery. Rotating again replaces the kept one.
   */
  async rotateSecret(
    id: string,
    options: { keepPreviousHours?: number } = {},
  ): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
    const keepHours = options.keepPreviousHours ?? 24;
    if (!Number.isInteger(keepHours) || keepHours < 0 || keepHours > MAX_KEEP_PREVIOUS_HOURS)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `keepPreviousHours must be a whole number of hours from 0 to ${MAX_KEEP_PREVIOUS_HOURS}, not ${keepHours}.`,
      );
    const { vault } = this.#options;
    const secret = generateWebhookSecret();
    const nextCiphertext = vault.encrypt(secret, webhookSecretContext(id));
    const next = { ciphertext: nextCiphertext, keyId: vault.keyIdOf(nextCiphertext) };
    // A compare-and-swap: a rotation (or a vault rotation) landing meanwhile makes this one read again.
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.#find(id);
      const current = await this.#endpoints.secret(id);
      if (!current) break;
      let previous = null;
      if (keepHours > 0) {
        const old = vault.decrypt(current.ciphertext, webhookSecretContext(id));
        const ciphertext = vault.encrypt(old, webhookPreviousSecretContext(id));
        const expiresAt = new Date(Date.now() + keepHours * 3_600_000).toISOString();
        previous = { ciphertext, keyId: vault.keyIdOf(ciphertext), expiresAt };
      }
      if (await this.#endpoints.rotateSecret(id, current.ciphertext, next, previous))
        return { endpoint: await this.show(id), secret };
    }
    throw new TenantlinkError('WEBHOOK_NOT_FOUND', `The webhook '${id}' was removed or keeps changing; try again.`, {
      status: 404,
    });
  }

  /** Removes the endpoint with its cursors and delivery log. */
  async remove(id: string): Promise<StoredWebhookEndpoint> {
    const endpoint = await this.#find(id);
    await this.#endpoints.delete(endpoint.id);
    return endpoint;
  }

  /** The delivery log, newest first. */
  async deliveries(id: string, options: { connection?: string; limit?: number } = {}): Promise<WebhookDelivery[]> {
    await this.#find(id);
    const connectionId = options.connection ? (await this.#options.connections.show(options.connection)).id : undefined;
    return this.#deliveries.list(id, {
      ...(connectionId ? { connectionId } : {}),
      limit: Math.min(Math.max(options.limit ?? 50, 1), 500),
    });
  }

  /**
   * Sets the endpoint's cursor for a connection to `since` and delivers everything after it again (at-least-once: the
   * receiver sees entries it may already have). Without `since`, delivers from where it stands now, at once: the way to
   * retry a failing endpoint by hand. A delivery under way when the replay lands cannot move the cursor any more.
   */
  async replay(id: string, options: { connection: string; since?: number }): Promise<WebhookCursorView> {
    const endpoint = await this.#find(id);
    const connection = await this.#options.connections.show(options.connection);
    if (endpoint.connectionId !== null && endpoint.connectionId !== connection.id)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `The webhook ${endpoint.id} receives only connection ${endpoint.connectionId}, not '${options.connection}'.`,
      );
    const heads = await this.#cursors.feedHeads();
    const head = heads.get(connection.id) ?? 0;
    const since = options.since ?? (await this.#cursors.get(endpoint.id, connection.id))?.lastSeq ?? 0;
    if (!Number.isInteger(since) || since < 0 || since > head)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `since must be a sequence number from 0 to ${head} (the last one of '${connection.name}'s feed), not ${since}.`,
      );
    // Deletions after `since` may have been pruned: the receiver would miss them.
    await checkFeedCursor(this.#options.store, connection.id, since);
    const cursor = await this.#cursors.replay(endpoint.id, connection.id, since);
    this.#options.onReplay?.(endpoint.id, connection.id);
    return cursorView(cursor, heads);
  }

  /**
   * Sets the endpoint's events cursor to `since` and delivers every event it takes after it again. Without `since`,
   * delivers from where it stands now, at once: the way to retry failing events by hand. Refused (410) from below the
   * last pruned event: the receiver would miss it.
   */
  async replayEvents(id: string, options: { since?: number } = {}): Promise<WebhookEventsView> {
    const endpoint = await this.#find(id);
    const head = await this.#events.head();
    const since = options.since ?? (await this.#eventCursors.get(endpoint.id))?.lastSeq ?? head;
    if (!Number.isInteger(since) || since < 0 || since > head)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `since must be an event sequence number from 0 to ${head} (the last event's), not ${since}.`,
      );
    const prunedThrough = await this.#events.prunedThrough();
    if (since < prunedThrough)
      throw new TenantlinkError(
        'WEBHOOK_EVENTS_PRUNED',
        `Events up to sequence ${prunedThrough} were pruned, so replaying from ${since} would miss some.`,
        {
          status: 410,
          diagnosis: {
            meaning:
              'Lifecycle events are kept for the feed retention (feedRetentionDays) once every endpoint has them.',
            fix: `Replay from since=${prunedThrough} or later, and read connections and connect sessions through the API for anything older.`,
          },
        },
      );
    const cursor = await this.#eventCursors.replay(endpoint.id, since);
    this.#options.onEventsReplay?.(endpoint.id);
    return eventsView(cursor, head);
  }

  /**
   * Seals URLs stored in clear before URLs with a query string were kept encrypted (run at start; a no-op after). A
   * URL that the outbound policy now refuses stays as it is: its deliveries fail, and the list shows why.
   */
  async sealStoredUrls(): Promise<number> {
    let sealed = 0;
    for (const endpoint of await this.#endpoints.unsealedWithQuery()) {
      const url = new URL(endpoint.url);
      await this.#endpoints.update(endpoint.id, {
        url: this.#storedUrl(endpoint.id, { url: url.toString(), shown: maskQuery(url) }),
      });
      sealed++;
    }
    return sealed;
  }

  /** Every connection's feed head, and the events' head. */
  async #heads(): Promise<Heads> {
    return { feed: await this.#cursors.feedHeads(), events: await this.#events.head() };
  }

  #storedUrl(id: string, url: WebhookUrl) {
    return { shown: url.shown, secret: this.#sealUrl(id, url) };
  }

  /** The whole URL encrypted, when what is shown of it is masked. */
  #sealUrl(id: string, url: WebhookUrl) {
    if (url.shown === url.url) return null;
    const ciphertext = this.#options.vault.encrypt(url.url, webhookUrlContext(id));
    return { ciphertext, keyId: this.#options.vault.keyIdOf(ciphertext) };
  }

  async #find(id: string): Promise<StoredWebhookEndpoint> {
    const endpoint = await this.#endpoints.get(id);
    if (!endpoint)
      throw new TenantlinkError('WEBHOOK_NOT_FOUND', `There is no webhook '${id}'.`, {
        status: 404,
        diagnosis: {
          meaning: 'No webhook endpoint has this id.',
          fix: 'List them with `tenantlink webhooks list` or GET /api/v1/webhooks.',
        },
      });
    return endpoint;
  }

  #checkModels(models: readonly string[] | null | undefined): string[] | null {
    if (!models) return null;
    const list = [...new Set(models.map((m) => m.trim()).filter(Boolean))];
    if (list.length === 0) return null;
    const known = this.#options.models;
    const unknown = known ? list.filter((m) => !known.includes(m)) : [];
    if (unknown.length > 0)
      throw new TenantlinkError('INVALID_INPUT', `Unknown model ${unknown.join(', ')}: use ${known!.join(', ')}.`);
    return list;
  }
}

function checkDescription(description: string | null | undefined): string | null {
  const text = description?.trim();
  if (!text) return null;
  if (text.length > 200) throw new TenantlinkError('INVALID_INPUT', 'The description is at most 200 characters.');
  return text;
}

function cursorView(c: WebhookCursor, heads: Map<string, number>): WebhookCursorView {
  return {
    connectionId: c.connectionId,
    lastSeq: c.lastSeq,
    feedLastSeq: heads.get(c.connectionId) ?? 0,
    attempts: c.attempts,
    failing: c.failing,
    nextAttemptAt: c.nextAttemptAt,
    lastAttemptAt: c.lastAttemptAt,
    lastDeliveredAt: c.lastDeliveredAt,
    lastError: c.lastError,
  };
}

interface Heads {
  feed: Map<string, number>;
  events: number;
}

function eventsView(c: WebhookEventCursor | undefined, head: number): WebhookEventsView {
  return {
    // Without a cursor yet, the endpoint starts at the head when it is first delivered to.
    lastSeq: c?.lastSeq ?? head,
    eventsLastSeq: head,
    attempts: c?.attempts ?? 0,
    failing: c?.failing ?? false,
    nextAttemptAt: c?.nextAttemptAt ?? null,
    lastAttemptAt: c?.lastAttemptAt ?? null,
    lastDeliveredAt: c?.lastDeliveredAt ?? null,
    lastError: c?.lastError ?? null,
  };
}

function viewOf(
  e: StoredWebhookEndpoint,
  cursors: WebhookCursor[],
  eventCursor: WebhookEventCursor | undefined,
  heads: Heads,
): WebhookEndpointView {
  const events = eventsView(eventCursor, heads.events);
  const lanes = [...cursors, events];
  const status: WebhookEndpointStatus = !e.enabled
    ? 'disabled'
    : lanes.some((c) => c.failing)
      ? 'failing'
      : lanes.some((c) => c.attempts > 0)
        ? 'retrying'
        : 'active';
  // A previous secret past its time is no longer signed with: not worth showing.
  const previousSecretExpiresAt =
    e.previousSecretExpiresAt && Date.parse(e.previousSecretExpiresAt) > Date.now() ? e.previousSecretExpiresAt : null;
  return { ...e, previousSecretExpiresAt, status, cursors: cursors.map((c) => cursorView(c, heads.feed)), events };
}
