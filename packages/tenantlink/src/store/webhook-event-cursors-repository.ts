import type { Selectable } from 'kysely';
import { type IsoTimestamp, isoNow, type StoreHandle, type WebhookEventCursorsTable } from './schema.js';
import {
  cursorAt,
  cursorStateOf,
  type DeliveryCursor,
  type DeliveryCursorState,
  deliveryCursor,
} from './webhook-cursors-repository.js';

/** Where an endpoint stands in the lifecycle events, with its retry state. */
export interface WebhookEventCursor extends DeliveryCursorState {
  endpointId: string;
}

export interface WebhookEventCursorsRepository {
  get(endpointId: string): Promise<WebhookEventCursor | undefined>;
  /** Every endpoint's. */
  list(): Promise<WebhookEventCursor[]>;
  /**
   * Makes the endpoint's cursor at the events' head, so that it receives only events published from now on; a no-op
   * when it has one. Run it in the transaction that adds the endpoint.
   */
  start(endpointId: string, now?: IsoTimestamp): Promise<void>;
  /** The endpoint's cursor, read and written under its lease (made at the head when missing). */
  endpoint(endpointId: string): DeliveryCursor;
  /** Sets the cursor back (or forward) to `since`, clears the retries, and fences off deliveries under way. */
  replay(endpointId: string, since: number): Promise<WebhookEventCursor>;
}

export function webhookEventCursorsRepository({ db }: StoreHandle): WebhookEventCursorsRepository {
  const get = async (endpointId: string) => {
    const row = await db
      .selectFrom('webhook_event_cursors')
      .selectAll()
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirst();
    return row && fromRow(row);
  };
  const start = async (endpointId: string, now = isoNow()) => {
    const head = await db
      .selectFrom('webhook_event_sequence')
      .select('last_seq')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('webhook_event_cursors')
      .values({ endpoint_id: endpointId, ...cursorAt(Number(head.last_seq), now) })
      .onConflict((oc) => oc.column('endpoint_id').doNothing())
      .execute();
  };
  const endpoint = (endpointId: string) =>
    deliveryCursor(
      { db },
      'webhook_event_cursors',
      { endpoint_id: endpointId },
      (now) => start(endpointId, now),
      () => get(endpointId),
    );
  return {
    get,
    async list() {
      return (await db.selectFrom('webhook_event_cursors').selectAll().orderBy('endpoint_id').execute()).map(fromRow);
    },
    start,
    endpoint,
    async replay(endpointId, since) {
      await endpoint(endpointId).replay(since);
      return (await get(endpointId))!;
    },
  };
}

function fromRow(row: Selectable<WebhookEventCursorsTable>): WebhookEventCursor {
  return { endpointId: row.endpoint_id, ...cursorStateOf(row) };
}
