import type { Selectable } from 'kysely';
import {
  type IsoTimestamp,
  isoNow,
  type StoreHandle,
  type WebhookCursorsTable,
  type WebhookEventCursorsTable,
} from './schema.js';

/** How far a cursor has delivered, its retry state and its lease: the same for the feed and for lifecycle events. */
export interface DeliveryCursorState {
  /** The last sequence number delivered (or skipped as not taken); 0 before the first. */
  lastSeq: number;
  generation: number;
  attempts: number;
  /** While a delivery is retried: its last sequence number, so each retry carries the same range. */
  retryToSeq: number | null;
  failing: boolean;
  nextAttemptAt: IsoTimestamp | null;
  lastAttemptAt: IsoTimestamp | null;
  lastDeliveredAt: IsoTimestamp | null;
  lastError: string | null;
  lease: { token: string; holder: string; expiresAt: IsoTimestamp } | null;
  updatedAt: IsoTimestamp;
}

/** Where an endpoint stands in one connection's feed, with its retry state. */
export interface WebhookCursor extends DeliveryCursorState {
  endpointId: string;
  connectionId: string;
}

export interface CursorLease {
  token: string;
  /** `host:pid`. */
  holder: string;
  expiresAt: IsoTimestamp;
}

/** The fence of every write made under a lease: still ours, and no replay since we read the cursor. */
export interface CursorFence {
  token: string;
  generation: number;
}

/** A failed attempt: when to try again (null: no more scheduled attempts). */
export interface FailedAttempt {
  attempts: number;
  retryToSeq: number;
  failing: boolean;
  nextAttemptAt: IsoTimestamp | null;
  error: string;
}

/** One cursor row (a feed pair's or an endpoint's events'), read and written under its lease. */
export interface DeliveryCursor {
  get(): Promise<DeliveryCursorState | undefined>;
  /**
   * Takes the lease (making the cursor when there is none) when it is free or expired, or still held by `replacing`
   * (the token of a holder known to be dead). One winner when processes race.
   */
  acquire(lease: CursorLease, options?: { now?: IsoTimestamp; replacing?: string }): Promise<boolean>;
  renew(token: string, expiresAt: IsoTimestamp): Promise<boolean>;
  release(token: string): Promise<void>;
  /** Moves the cursor to `toSeq` after a delivery (or past what the endpoint does not take); clears the retries. */
  advance(fence: CursorFence, toSeq: number, options: { delivered: boolean }): Promise<boolean>;
  failed(fence: CursorFence, state: FailedAttempt): Promise<boolean>;
  /** Before a first attempt: fixes the range it carries, so that an attempt after a crash carries the same. */
  pin(fence: CursorFence, retryToSeq: number): Promise<boolean>;
  /** Sets the cursor back (or forward) to `since`, clears the retries, and fences off deliveries under way. */
  replay(since: number): Promise<void>;
}

export interface WebhookCursorsRepository {
  get(endpointId: string, connectionId: string): Promise<WebhookCursor | undefined>;
  /** Every cursor, or an endpoint's. */
  list(endpointId?: string): Promise<WebhookCursor[]>;
  /** The last sequence number of every connection's feed. */
  feedHeads(): Promise<Map<string, number>>;
  /** The lowest sequence number any endpoint has delivered of this connection's feed; undefined without cursors. */
  lowestDelivered(connectionId: string): Promise<number | undefined>;
  /** The cursor of an endpoint in a connection's feed (made at 0 when first taken). */
  pair(endpointId: string, connectionId: string): DeliveryCursor;
  /** Sets the cursor back (or forward) to `since`, clears the retries, and fences off deliveries under way. */
  replay(endpointId: string, connectionId: string, since: number): Promise<WebhookCursor>;
}

export function webhookCursorsRepository({ db }: StoreHandle): WebhookCursorsRepository {
  const get = async (endpointId: string, connectionId: string) => {
    const row = await db
      .selectFrom('webhook_cursors')
      .selectAll()
      .where('endpoint_id', '=', endpointId)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    return row && fromRow(row);
  };
  const pair = (endpointId: string, connectionId: string) =>
    deliveryCursor(
      { db },
      'webhook_cursors',
      { endpoint_id: endpointId, connection_id: connectionId },
      async (now) => {
        await db
          .insertInto('webhook_cursors')
          .values({ endpoint_id: endpointId, connection_id: connectionId, ...cursorAt(0, now) })
          .onConflict((oc) => oc.columns(['endpoint_id', 'connection_id']).doNothing())
          .execute();
      },
      () => get(endpointId, connectionId),
    );
  return {
    get,
    async list(endpointId) {
      let query = db.selectFrom('webhook_cursors').selectAll();
      if (endpointId !== undefined) query = query.where('endpoint_id', '=', endpointId);
      return (await query.orderBy('endpoint_id').orderBy('connection_id').execute()).map(fromRow);
    },
    async feedHeads() {
      const rows = await db.selectFrom('sync_sequences').select(['connection_id', 'last_seq']).execute();
      return new Map(rows.map((r) => [r.connection_id, Number(r.last_seq)]));
    },
    async lowestDelivered(connectionId) {
      const row = await db
        .selectFrom('webhook_cursors')
        .select((eb) => eb.fn.min<number | string | null>('last_seq').as('seq'))
        .where('connection_id', '=', connectionId)
        .executeTakeFirst();
      return row?.seq === null || row?.seq === undefined ? undefined : Number(row.seq);
    },
    pair,
    async replay(endpointId, connectionId, since) {
      await pair(endpointId, connectionId).replay(since);
      return (await get(endpointId, connectionId))!;
    },
  };
}

/** The columns of a new cursor at `lastSeq`, with no retries and no lease. */
export function cursorAt(lastSeq: number, now: IsoTimestamp) {
  return { last_seq: lastSeq, generation: 0, attempts: 0, failing: 0, updated_at: now };
}

type CursorTable = 'webhook_cursors' | 'webhook_event_cursors';

/**
 * The lease and retry-state writes of one cursor row: `key` picks the row of `table`, `ensure` makes it when missing
 * (an acquisition or a replay may come first), `read` reads it. Feed cursors and event cursors share these columns.
 */
export function deliveryCursor<State extends DeliveryCursorState>(
  { db }: Pick<StoreHandle, 'db'>,
  table: CursorTable,
  key: { endpoint_id: string; connection_id?: string },
  ensure: (now: IsoTimestamp) => Promise<void>,
  read: () => Promise<State | undefined>,
): DeliveryCursor {
  const row = () => {
    let query = db.updateTable(table).where('endpoint_id', '=', key.endpoint_id);
    // Only the feed's table has the column; the event cursors' key is the endpoint alone.
    if (key.connection_id !== undefined) query = query.where('connection_id', '=', key.connection_id);
    return query;
  };
  const updated = (result: { numUpdatedRows: bigint }) => Number(result.numUpdatedRows) === 1;
  return {
    get: read,
    async acquire(lease, options = {}) {
      const now = options.now ?? isoNow();
      await ensure(now);
      const result = await row()
        .set({ lease_token: lease.token, lease_holder: lease.holder, lease_expires_at: lease.expiresAt })
        .where((eb) =>
          eb.or([
            eb('lease_token', 'is', null),
            eb('lease_expires_at', '<', now),
            ...(options.replacing ? [eb('lease_token', '=', options.replacing)] : []),
          ]),
        )
        .executeTakeFirst();
      return updated(result);
    },
    async renew(token, expiresAt) {
      return updated(
        await row().set({ lease_expires_at: expiresAt }).where('lease_token', '=', token).executeTakeFirst(),
      );
    },
    async release(token) {
      await row()
        .set({ lease_token: null, lease_holder: null, lease_expires_at: null })
        .where('lease_token', '=', token)
        .execute();
    },
    async advance(fence, toSeq, { delivered }) {
      const now = isoNow();
      const result = await row()
        .set({
          last_seq: toSeq,
          attempts: 0,
          retry_to_seq: null,
          failing: 0,
          next_attempt_at: null,
          last_error: null,
          ...(delivered ? { last_delivered_at: now, last_attempt_at: now } : {}),
          updated_at: now,
        })
        .where('lease_token', '=', fence.token)
        .where('generation', '=', fence.generation)
        .executeTakeFirst();
      return updated(result);
    },
    async failed(fence, state) {
      const now = isoNow();
      const result = await row()
        .set({
          attempts: state.attempts,
          retry_to_seq: state.retryToSeq,
          failing: state.failing ? 1 : 0,
          next_attempt_at: state.nextAttemptAt,
          last_error: state.error,
          last_attempt_at: now,
          updated_at: now,
        })
        .where('lease_token', '=', fence.token)
        .where('generation', '=', fence.generation)
        .executeTakeFirst();
      return updated(result);
    },
    async pin(fence, retryToSeq) {
      const result = await row()
        .set({ retry_to_seq: retryToSeq })
        .where('lease_token', '=', fence.token)
        .where('generation', '=', fence.generation)
        .executeTakeFirst();
      return updated(result);
    },
    async replay(since) {
      const now = isoNow();
      await ensure(now);
      await row()
        .set((eb) => ({
          last_seq: since,
          generation: eb('generation', '+', 1),
          attempts: 0,
          retry_to_seq: null,
          failing: 0,
          next_attempt_at: null,
          last_error: null,
          updated_at: now,
        }))
        .execute();
    },
  };
}

/** A cursor row's delivery state, whichever table it is in. */
export function cursorStateOf(row: Selectable<WebhookEventCursorsTable>): DeliveryCursorState {
  return {
    lastSeq: Number(row.last_seq),
    generation: Number(row.generation),
    attempts: Number(row.attempts),
    retryToSeq: row.retry_to_seq === null ? null : Number(row.retry_to_seq),
    failing: Number(row.failing) === 1,
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    lastDeliveredAt: row.last_delivered_at,
    lastError: row.last_error,
    lease:
      row.lease_token && row.lease_holder && row.lease_expires_at
        ? { token: row.lease_token, holder: row.lease_holder, expiresAt: row.lease_expires_at }
        : null,
    updatedAt: row.updated_at,
  };
}

function fromRow(row: Selectable<WebhookCursorsTable>): WebhookCursor {
  return { endpointId: row.endpoint_id, connectionId: row.connection_id, ...cursorStateOf(row) };
}
