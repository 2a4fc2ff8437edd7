import { randomBytes, randomUUID } from 'node:crypto';
import type { ConnectionService } from '../connections/service.js';
import { subscriptionClientStateContext } from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import { featureDefinition } from '../features/index.js';
import type { GraphClient } from '../graph/client.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/database.js';
import { graphSubscriptionsRepository, type StoredSubscription } from '../store/graph-subscriptions-repository.js';
import { serverSettingsRepository } from '../store/server-settings-repository.js';

/** The job that creates, renews, reauthorizes and removes a connection's subscriptions. */
export const SUBSCRIPTIONS_JOB = 'subscriptions.maintain';
/** Where Microsoft posts change notifications, and lifecycle notifications, under the public URL. */
export const NOTIFICATION_PATH = '/notifications/microsoft';
export const LIFECYCLE_PATH = '/notifications/microsoft/lifecycle';
/** The server setting where `serve` records its public HTTPS URL, so that workers can subscribe with it. */
export const NOTIFICATION_URL_SETTING = 'notifications.public_url';

/** How often each connection's subscriptions are looked after (renewals come due at half their lifetime). */
export const MAINTAIN_EVERY_MS = 15 * 60_000;
/** The longest lifetime asked for, whatever Graph allows: Outlook's older documented limit, safe everywhere. */
const LONGEST_LIFETIME_MINUTES = 4_230;

/** Graph's time by its `Date` header (to the second, a few ms behind), or this machine's without one. */
function graphNow(headers: Headers): number {
  const date = Date.parse(headers.get('date') ?? '');
  return Number.isNaN(date) ? Date.now() : date;
}

/** Whether a connection's features are told of changes, or polled. */
export type NotificationMode = { mode: 'notifications'; url: string } | { mode: 'polling'; reason: string };

/** One subscription a connection should have. */
interface Wanted {
  feature: string;
  resource: string;
  changeType: string;
  lifetimeMinutes: number;
}

export interface SubscriptionManagerOptions {
  store: Store;
  connections: ConnectionService;
  /** This process's public URL when it knows one (a server); else the one a server recorded. */
  publicUrl?: () => string | undefined;
  logger?: Logger | undefined;
  /** Lifetime asked for, in minutes, when shorter than the resource's limit (tests). */
  lifetimeMinutes?: number;
}

/**
 * Keeps each connection's change-notification subscriptions in line with its features: creates the missing ones
 * (Graph validates the notification URL while it waits), renews those past half their lifetime, reauthorizes those
 * Graph asked about, recreates those Graph removed or forgot, and deletes those no feature wants any more. Without a
 * public HTTPS URL it keeps none, and the features' datasets are polled on their schedules instead.
 */
export class SubscriptionManager {
  readonly #options: SubscriptionManagerOptions;

  constructor(options: SubscriptionManagerOptions) {
    this.#options = options;
  }

  /** Where Graph would post, or why it cannot. */
  async mode(): Promise<NotificationMode> {
    const base =
      this.#options.publicUrl?.() ??
      (await serverSettingsRepository(this.#options.store).get(NOTIFICATION_URL_SETTING));
    if (!base) return { mode: 'polling', reason: 'no public URL is known: start `tenantlink serve` with --public-url' };
    if (!base.startsWith('https://'))
      return {
        mode: 'polling',
        reason: `Microsoft Graph posts notifications only to HTTPS URLs, and the public URL is ${base}`,
      };
    return { mode: 'notifications', url: base.replace(/\/+$/, '') };
  }

  /** The subscriptions a connection's features want (none for features without notifications). */
  wanted(connection: { features: readonly string[]; settings: Record<string, unknown> }): Wanted[] {
    return connection.features.flatMap((name) => {
      const notifications = featureDefinition(name)?.notifications;
      if (!notifications) return [];
      const lifetimeMinutes = Math.min(
        notifications.maxLifetimeMinutes,
        LONGEST_LIFETIME_MINUTES,
        this.#options.lifetimeMinutes ?? Number.POSITIVE_INFINITY,
      );
      return notifications.watch(connection).map((w) => ({ feature: name, ...w, lifetimeMinutes }));
    });
  }

  /** Brings one connection's subscriptions in line; failures are recorded per subscription, not thrown. */
  async maintain(connectionId: string): Promise<void> {
    const connection = await this.#options.connections.show(connectionId);
    const repo = graphSubscriptionsRepository(this.#options.store);
    const rows = await repo.list(connection.id);
    const mode = await this.mode();
    const wanted = mode.mode === 'notifications' ? this.wanted(connection) : [];
    const key = (x: { feature: string; resource: string }) => `${x.feature}\u0000${x.resource}`;
    const wantedKeys = new Set(wanted.map(key));
    const graph =
      rows.length > 0 || wanted.length > 0 ? await this.#options.connections.graphClient(connection.id) : null;
    if (!graph) return;
    for (const row of rows)
      if (!wantedKeys.has(key(row))) {
        await this.#deleteAtGraph(graph, row);
        await repo.remove(row.id);
      }
    if (mode.mode !== 'notifications') return;
    for (const want of wanted) {
      let row = rows.find((r) => key(r) === key(want));
      if (!row) {
        const id = randomUUID();
        const ciphertext = this.#vault.encrypt(
          randomBytes(32).toString('base64url'),
          subscriptionClientStateContext(id),
        );
        await repo.insert({
          id,
          connectionId: connection.id,
          feature: want.feature,
          resource: want.resource,
          changeType: want.changeType,
          clientState: { ciphertext, keyId: this.#vault.keyIdOf(ciphertext) },
        });
        row = (await repo.get(id))!;
      }
      await this.#keep(graph, row, want, mode.url);
    }
  }

  get #vault() {
    return this.#options.connections.vault;
  }

  /**
   * One subscription: reauthorized when Graph asked, renewed past half its lifetime, made again when Graph no longer
   * has it. Times are Graph's: its `Date` header says where its clock stands, so expiry is judged by the clock Graph
   * expires subscriptions by, even when this machine's differs.
   */
  async #keep(graph: GraphClient, row: StoredSubscription, want: Wanted, base: string): Promise<void> {
    const lifetimeMs = want.lifetimeMinutes * 60_000;
    try {
      if (row.graphId && (row.state === 'active' || row.state === 'reauthorize')) {
        const path = `/subscriptions/${encodeURIComponent(row.graphId)}`;
        if (row.state === 'reauthorize') await graph.post(`${path}/reauthorize`, {});
        const current = await graph.request<{ expirationDateTime?: string }>('GET', path);
        const now = graphNow(current.headers);
        const left = Date.parse(current.body?.expirationDateTime ?? '') - now;
        if (row.state === 'active' && left > lifetimeMs / 2) {
          if (current.body?.expirationDateTime && current.body.expirationDateTime !== row.expiresAt)
            await graphSubscriptionsRepository(this.#options.store).active(
              row.id,
              row.graphId,
              current.body.expirationDateTime,
            );
          return;
        }
        const renewed = await graph.patch<{ expirationDateTime?: string }>(path, {
          expirationDateTime: new Date(now + lifetimeMs).toISOString(),
        });
        await graphSubscriptionsRepository(this.#options.store).active(
          row.id,
          row.graphId,
          renewed?.expirationDateTime ?? new Date(now + lifetimeMs).toISOString(),
        );
        return;
      }
      await this.#create(graph, row, want, base);
    } catch (err) {
      if (err instanceof TenantlinkError && err.status === 404) {
        // Graph no longer has it (expired, or removed without telling us): make it again.
        await this.#create(graph, row, want, base).catch((again: unknown) => this.#failed(row, again));
        return;
      }
      await this.#failed(row, err);
    }
  }

  async #create(graph: GraphClient, row: StoredSubscription, want: Wanted, base: string): Promise<void> {
    // Where Graph's clock stands, so that the expiry asked for is within its limit by that clock.
    const now = graphNow((await graph.request('GET', '/subscriptions')).headers);
    const clientState = this.#vault.decrypt(row.clientState.ciphertext, subscriptionClientStateContext(row.id));
    const created = await graph.post<{ id: string; expirationDateTime: string }>('/subscriptions', {
      changeType: want.changeType,
      notificationUrl: `${base}${NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${base}${LIFECYCLE_PATH}`,
      resource: want.resource,
      expirationDateTime: new Date(now + want.lifetimeMinutes * 60_000).toISOString(),
      clientState,
    });
    await graphSubscriptionsRepository(this.#options.store).active(row.id, created.id, created.expirationDateTime);
    this.#options.logger?.info(
      {
        connection: row.connectionId,
        feature: row.feature,
        resource: row.resource,
        expiresAt: created.expirationDateTime,
      },
      'change notifications: subscribed',
    );
  }

  async #deleteAtGraph(graph: GraphClient, row: StoredSubscription): Promise<void> {
    if (!row.graphId || row.state === 'removed') return;
    await graph.delete(`/subscriptions/${encodeURIComponent(row.graphId)}`).catch(() => {
      // Gone already, or not ours to delete any more: it expires on its own.
    });
  }

  async #failed(row: StoredSubscription, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    await graphSubscriptionsRepository(this.#options.store).setState(row.id, 'failed', message);
    this.#options.logger?.warn(
      { connection: row.connectionId, feature: row.feature, resource: row.resource, err: { message } },
      'change notifications: could not subscribe; the dataset is polled meanwhile',
    );
  }
}
