import type { Selectable } from 'kysely';
import type {
  IsoTimestamp,
  StoreHandle,
  WebhookDeliveriesTable,
  WebhookDeliveryStatus,
  WebhookEventDeliveriesTable,
} from './schema.js';

/** One delivery attempt, as the log shows it. */
interface DeliveryAttempt {
  /** The attempt's own id. */
  id: string;
  /** The delivery's id, sent as `tenantlink-delivery`: the same on every attempt of one batch or event. */
  deliveryId: string;
  endpointId: string;
  /** The feed range; for an event, its sequence number among the events (both). */
  fromSeq: number;
  toSeq: number;
  /** Feed entries carried; 1 for an event. */
  entries: number;
  attempt: number;
  status: WebhookDeliveryStatus;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  nextAttemptAt: IsoTimestamp | null;
  attemptedAt: IsoTimestamp;
  deliveredAt: IsoTimestamp | null;
}

/** A batch of a connection's change feed. */
export interface FeedDelivery extends DeliveryAttempt {
  kind: 'feed';
  connectionId: string;
  event: null;
}

/** A lifecycle event. */
export interface EventDelivery extends DeliveryAttempt {
  kind: 'event';
  /** The connection the event is about; null when it names none. */
  connectionId: string | null;
  event: { id: string; type: string };
}

export type WebhookDelivery = FeedDelivery | EventDelivery;
export type WebhookDeliveryKind = WebhookDelivery['kind'];

export interface WebhookDeliveriesRepository {
  record(delivery: WebhookDelivery): Promise<void>;
  /** Feed batches and events together, newest first. */
  list(endpointId: string, options?: { connectionId?: string; limit?: number }): Promise<WebhookDelivery[]>;
  /** Deletes attempts made before `before`; returns how many. */
  prune(before: IsoTimestamp): Promise<number>;
}

export function webhookDeliveriesRepository({ db }: StoreHandle): WebhookDeliveriesRepository {
  return {
    async record(d) {
      const attempt = {
        id: d.id,
        delivery_id: d.deliveryId,
        endpoint_id: d.endpointId,
        attempt: d.attempt,
        status: d.status,
        status_code: d.statusCode,
        error: d.error,
        duration_ms: d.durationMs,
        next_attempt_at: d.nextAttemptAt,
        attempted_at: d.attemptedAt,
        delivered_at: d.deliveredAt,
      };
      if (d.kind === 'event') {
        await db
          .insertInto('webhook_event_deliveries')
          .values({
            ...attempt,
            event_seq: d.toSeq,
            event_id: d.event.id,
            event_type: d.event.type,
            connection_id: d.connectionId,
          })
          .execute();
        return;
      }
      await db
        .insertInto('webhook_deliveries')
        .values({ ...attempt, connection_id: d.connectionId, from_seq: d.fromSeq, to_seq: d.toSeq, entries: d.entries })
        .execute();
    },
    async list(endpointId, options = {}) {
      const limit = options.limit ?? 50;
      let feed = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
      let events = db.selectFrom('webhook_event_deliveries').selectAll().where('endpoint_id', '=', endpointId);
      if (options.connectionId !== undefined) {
        feed = feed.where('connection_id', '=', options.connectionId);
        events = events.where('connection_id', '=', options.connectionId);
      }
      const [feedRows, eventRows] = await Promise.all([
        feed
          .orderBy('attempted_at', 'desc')
          .orderBy('to_seq', 'desc')
          .orderBy('attempt', 'desc')
          .limit(limit)
          .execute(),
        events
          .orderBy('attempted_at', 'desc')
          .orderBy('event_seq', 'desc')
          .orderBy('attempt', 'desc')
          .limit(limit)
          .execute(),
      ]);
      // Each list is newest first; a stable sort on the time keeps each one's own order between equal times.
      return [...feedRows.map(fromFeedRow), ...eventRows.map(fromEventRow)]
        .sort((a, b) => (a.attemptedAt < b.attemptedAt ? 1 : a.attemptedAt > b.attemptedAt ? -1 : 0))
        .slice(0, limit);
    },
    async prune(before) {
      const [feed, events] = await Promise.all([
        db.deleteFrom('webhook_deliveries').where('attempted_at', '<', before).executeTakeFirst(),
        db.deleteFrom('webhook_event_deliveries').where('attempted_at', '<', before).executeTakeFirst(),
      ]);
      return Number(feed.numDeletedRows) + Number(events.numDeletedRows);
    },
  };
}

function attemptOf(row: Selectable<WebhookEventDeliveriesTable> | Selectable<WebhookDeliveriesTable>) {
  return {
    id: row.id,
    // Attempts logged before delivery ids had only their own.
    deliveryId: row.delivery_id ?? row.id,
    endpointId: row.endpoint_id,
    attempt: Number(row.attempt),
    status: row.status,
    statusCode: row.status_code === null ? null : Number(row.status_code),
    error: row.error,
    durationMs: Number(row.duration_ms),
    nextAttemptAt: row.next_attempt_at,
    attemptedAt: row.attempted_at,
    deliveredAt: row.delivered_at,
  };
}

function fromFeedRow(row: Selectable<WebhookDeliveriesTable>): FeedDelivery {
  return {
    ...attemptOf(row),
    kind: 'feed',
    connectionId: row.connection_id,
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    entries: Number(row.entries),
    event: null,
  };
}

function fromEventRow(row: Selectable<WebhookEventDeliveriesTable>): EventDelivery {
  const seq = Number(row.event_seq);
  return {
    ...attemptOf(row),
    kind: 'event',
    connectionId: row.connection_id,
    fromSeq: seq,
    toSeq: seq,
    entries: 1,
    event: { id: row.event_id, type: row.event_type },
  };
}
