import { connectionsRepository } from '../store/connections-repository.js';
import { recordsRepository } from '../store/records-repository.js';
import type { StoreHandle } from '../store/schema.js';
import {
  type DeliveryCursor,
  type DeliveryCursorState,
  webhookCursorsRepository,
} from '../store/webhook-cursors-repository.js';
import type { WebhookDelivery } from '../store/webhook-deliveries-repository.js';
import type { StoredWebhookEndpoint } from '../store/webhook-endpoints-repository.js';
import { webhookEventCursorsRepository } from '../store/webhook-event-cursors-repository.js';
import { webhookEventsRepository } from '../store/webhook-events-repository.js';
import { webhookEventBody } from './events.js';
import { RECORDS_CHANGED, recordsChangedPayload } from './payload.js';

type ContentOf<D> = D extends WebhookDelivery
  ? Pick<D, 'kind' | 'connectionId' | 'fromSeq' | 'toSeq' | 'entries' | 'event'>
  : never;

/** What a delivery carries into the log, besides how the attempt went. */
export type DeliveryContent = ContentOf<WebhookDelivery>;

/** One POST to make: its `tenantlink-event`, its body, and where the cursor goes once it is delivered. */
export interface PendingDelivery {
  event: string;
  body: string;
  toSeq: number;
  content: DeliveryContent;
}

/**
 * What one endpoint receives in order, one delivery at a time: its cursor, and what comes after a position of it —
 * a delivery, a position to move to without one (past what the endpoint does not take), or nothing (caught up).
 */
export interface DeliverySource {
  cursor: DeliveryCursor;
  next(cursor: DeliveryCursorState): Promise<{ deliver: PendingDelivery } | { skipTo: number } | null>;
}

/**
 * An endpoint's feed of one connection, in batches of up to `batchSize` entries of its models; undefined when the
 * endpoint does not take this connection or the connection is gone.
 */
export async function feedSource(
  store: StoreHandle,
  endpoint: StoredWebhookEndpoint,
  connectionId: string,
  batchSize: number,
): Promise<DeliverySource | undefined> {
  if (endpoint.connectionId !== null && endpoint.connectionId !== connectionId) return undefined;
  const connection = await connectionsRepository(store).get(connectionId);
  if (!connection) return undefined;
  const ref = { id: connection.id, name: connection.name, tenantId: connection.tenant };
  const records = recordsRepository(store);
  return {
    cursor: webhookCursorsRepository(store).pair(endpoint.id, connectionId),
    async next(cursor) {
      // Read the head first: every entry up to it has committed, so an empty read may skip to it.
      const head = await records.lastSeq(connectionId);
      const page = await records.feed(connectionId, {
        since: cursor.lastSeq,
        limit: batchSize,
        ...(endpoint.models ? { models: endpoint.models } : {}),
      });
      // A retry carries the failed batch's range; a record changed since has left it for a later batch.
      const retryTo = cursor.retryToSeq;
      const entries = retryTo === null ? page.entries : page.entries.filter((e) => e.seq <= retryTo);
      if (retryTo !== null && entries.length === 0) return { skipTo: retryTo };
      // Only entries of models this endpoint does not take (or nothing) are left.
      if (entries.length === 0) return head > cursor.lastSeq ? { skipTo: head } : null;
      const payload = recordsChangedPayload(ref, entries);
      return {
        deliver: {
          event: RECORDS_CHANGED,
          body: JSON.stringify(payload),
          toSeq: payload.toSeq,
          content: {
            kind: 'feed',
            connectionId,
            fromSeq: payload.fromSeq,
            toSeq: payload.toSeq,
            entries: entries.length,
            event: null,
          },
        },
      };
    },
  };
}

/** An endpoint's lifecycle events, one event per delivery, skipping those about connections it does not take. */
export function eventSource(store: StoreHandle, endpoint: StoredWebhookEndpoint): DeliverySource {
  const events = webhookEventsRepository(store);
  return {
    cursor: webhookEventCursorsRepository(store).endpoint(endpoint.id),
    async next(cursor) {
      // Every event up to the head has committed (the counter is held until its publisher commits).
      const head = await events.head();
      const event = await events.next(cursor.lastSeq, { connectionId: endpoint.connectionId });
      if (!event) return head > cursor.lastSeq ? { skipTo: head } : null;
      return {
        deliver: {
          event: event.type,
          body: JSON.stringify(webhookEventBody(event)),
          toSeq: event.seq,
          content: {
            kind: 'event',
            connectionId: event.connectionId,
            fromSeq: event.seq,
            toSeq: event.seq,
            entries: 1,
            event: { id: event.id, type: event.type },
          },
        },
      };
    },
  };
}
