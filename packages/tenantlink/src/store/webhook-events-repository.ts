import type { Kysely, Selectable } from 'kysely';
import type { Database, IsoTimestamp, StoreHandle, WebhookEventsTable } from './schema.js';

/** A lifecycle event in the outbox. */
export interface StoredWebhookEvent {
  seq: number;
  id: string;
  type: string;
  /** The connection it is about; null when it names none. */
  connectionId: string | null;
  /** The event's own fields (its body without `type`, `id` and `occurredAt`). */
  payload: Record<string, unknown>;
  createdAt: IsoTimestamp;
}

export type NewWebhookEvent = Omit<StoredWebhookEvent, 'seq'>;

export interface WebhookEventsRepository {
  /**
   * Numbers the event and adds it, in the caller's transaction when `db` is one (else in one of its own). The counter
   * row stays locked until that transaction ends, so events commit in sequence order.
   */
  add(event: NewWebhookEvent): Promise<StoredWebhookEvent>;
  /** The last sequence number given out (every event up to it has committed). */
  head(): Promise<number>;
  /** The highest sequence number pruned (0: none). */
  prunedThrough(): Promise<number>;
  /**
   * The first event after `afterSeq` that an endpoint for `connectionId` takes: an endpoint for every connection
   * (null) takes every event, one for a single connection only the events about it.
   */
  next(afterSeq: number, endpoint: { connectionId: string | null }): Promise<StoredWebhookEvent | undefined>;
  /**
   * Deletes events made before `before` that every endpoint taking them has received (disabled endpoints included);
   * returns how many, and the highest sequence number pruned so far.
   */
  prune(before: IsoTimestamp): Promise<{ pruned: number; prunedThrough: number }>;
}

export function webhookEventsRepository({ db }: StoreHandle): WebhookEventsRepository {
  const counter = async (column: 'last_seq' | 'pruned_through_seq') => {
    const row = await db.selectFrom('webhook_event_sequence').select(column).where('id', '=', 1).executeTakeFirst();
    return row ? Number((row as Record<string, unknown>)[column]) : 0;
  };
  const add = async (trx: Kysely<Database>, event: NewWebhookEvent) => {
    const { last_seq } = await trx
      .updateTable('webhook_event_sequence')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('id', '=', 1)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    const row: WebhookEventsTable = {
      seq: Number(last_seq),
      id: event.id,
      type: event.type,
      connection_id: event.connectionId,
      payload: JSON.stringify(event.payload),
      created_at: event.createdAt,
    };
    await trx.insertInto('webhook_events').values(row).execute();
    return { ...event, seq: row.seq };
  };
  return {
    add: (event) => (db.isTransaction ? add(db, event) : db.transaction().execute((trx) => add(trx, event))),
    head: () => counter('last_seq'),
    prunedThrough: () => counter('pruned_through_seq'),
    async next(afterSeq, endpoint) {
      let query = db.selectFrom('webhook_events').selectAll().where('seq', '>', afterSeq);
      if (endpoint.connectionId !== null) query = query.where('connection_id', '=', endpoint.connectionId);
      const row = await query.orderBy('seq').limit(1).executeTakeFirst();
      return row && fromRow(row);
    },
    async prune(before) {
      const deleted = await db
        .deleteFrom('webhook_events')
        .where('created_at', '<', before)
        .where(({ exists, not, selectFrom }) =>
          not(
            exists(
              selectFrom('webhook_event_cursors as c')
                .innerJoin('webhook_endpoints as e', 'e.id', 'c.endpoint_id')
                .select('c.endpoint_id')
                .whereRef('c.last_seq', '<', 'webhook_events.seq')
                .where((inner) =>
                  inner.or([
                    inner('e.connection_id', 'is', null),
                    inner('e.connection_id', '=', inner.ref('webhook_events.connection_id')),
                  ]),
                ),
            ),
          ),
        )
        .returning('seq')
        .execute();
      const through = deleted.reduce((top, r) => Math.max(top, Number(r.seq)), 0);
      if (through > 0)
        await db
          .updateTable('webhook_event_sequence')
          .set({ pruned_through_seq: through })
          .where('id', '=', 1)
          .where('pruned_through_seq', '<', through)
          .execute();
      return { pruned: deleted.length, prunedThrough: await counter('pruned_through_seq') };
    },
  };
}

function fromRow(row: Selectable<WebhookEventsTable>): StoredWebhookEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    type: row.type,
    connectionId: row.connection_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}
