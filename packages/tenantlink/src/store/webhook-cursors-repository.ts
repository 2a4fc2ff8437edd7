import type { Selectable } from 'kysely';
import { type IsoTimestamp, isoNow, type StoreHandle, type WebhookCursorsTable } from './schema.js';

/** Where an endpoint stands in one connection's feed, with its retry state. */
export interface WebhookCursor {
  endpointId: string;
  connectionId: string;
  /** The last sequence number delivered (or skipped as filtered out); 0 before the first. */
  lastSeq: number;
  generation: number;
  attempts: number;
  /** While a batch is retried: its last sequence number, so each retry carries the same range. */
  retryToSeq: number | null;
  failing: boolean;
  nextAttemptAt: IsoTimestamp | null;
  lastAttemptAt: IsoTimestamp | null;
  lastDeliveredAt: IsoTimestamp | null;
  lastError: string | null;
  lease: { token: string; holder: string; expiresAt: IsoTimestamp } | null;
  updatedAt: IsoTimestamp;
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

export interface WebhookCursorsRepository {
  get(endpointId: string, connectionId: string): Promise<WebhookCursor | undefined>;
  /** Every cursor, or an endpoint's. */
  list(endpointId?: string): Promise<WebhookCursor[]>;
  /** The last sequence number of every connection's feed. */
  feedHeads(): Promise<Map<string, number>>;
  /** The lowest sequence number any endpoint has delivered of this connection's feed; undefined without cursors. */
  lowestDelivered(connectionId: string): Promise<number | undefined>;
  /**
   * Takes the pair's lease (making the cursor at 0 when there is none) when it is free or expired, or still held by
   * `replacing` (the token of a holder known to be dead). One winner when processes race.
   */
  acquire(
    endpointId: string,
    connectionId: string,
    lease: CursorLease,
    options?: { now?: IsoTimestamp; replacing?: string },
  ): Promise<boolean>;
  renew(endpointId: string, connectionId: string, token: string, expiresAt: IsoTimestamp): Promise<boolean>;
  release(endpointId: string, connectionId: string, token: string): Promise<void>;
  /** Moves the cursor to `toSeq` after a delivery (or past entries the endpoint does not take); clears the retries. */
  advance(
    endpointId: string,
    connectionId: string,
    fence: CursorFence,
    toSeq: number,
    options: { delivered: boolean },
  ): Promise<boolean>;
  /** Records a failed attempt and when to try again (null: no more scheduled attempts). */
  failed(
    endpointId: string,
    connectionId: string,
    fence: CursorFence,
    state: {
      attempts: number;
      retryToSeq: number;
      failing: boolean;
      nextAttemptAt: IsoTimestamp | null;
      error: string;
    },
  ): Promise<boolean>;
  /** Sets the cursor back (or forward) to `since`, clears the retries, and fences off deliveries under way. */
  replay(endpointId: string, connectionId: string, since: number): Promise<WebhookCursor>;
}

export function webhookCursorsRepository({ db }: StoreHandle): WebhookCursorsRepository {
  const pair = (endpointId: string, connectionId: string) =>
    db.updateTable('webhook_cursors').where('endpoint_id', '=', endpointId).where('connection_id', '=', connectionId);
  const ensure = async (endpointId: string, connectionId: string, now: IsoTimestamp) => {
    await db
      .insertInto('webhook_cursors')
      .values({
        endpoint_id: endpointId,
        connection_id: connectionId,
        last_seq: 0,
        generation: 0,
        attempts: 0,
        failing: 0,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['endpoint_id', 'connection_id']).doNothing())
      .execute();
  };
  const get = async (endpointId: string, connectionId: string) => {
    const row = await db
      .selectFrom('webhook_cursors')
      .selectAll()
      .where('endpoint_id', '=', endpointId)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    return row && fromRow(row);
  };
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
    async acquire(endpointId, connectionId, lease, options = {}) {
      const now = options.now ?? isoNow();
      await ensure(endpointId, connectionId, now);
      const result = await pair(endpointId, connectionId)
        .set({ lease_token: lease.token, lease_holder: lease.holder, lease_expires_at: lease.expiresAt })
        .where((eb) =>
          eb.or([
            eb('lease_token', 'is', null),
            eb('lease_expires_at', '<', now),
            ...(options.replacing ? [eb('lease_token', '=', options.replacing)] : []),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async renew(endpointId, connectionId, token, expiresAt) {
      const result = await pair(endpointId, connectionId)
        .set({ lease_expires_at: expiresAt })
        .where('lease_token', '=', token)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async release(endpointId, connectionId, token) {
      await pair(endpointId, connectionId)
        .set({ lease_token: null, lease_holder: null, lease_expires_at: null })
        .where('lease_token', '=', token)
        .execute();
    },
    async advance(endpointId, connectionId, fence, toSeq, { delivered }) {
      const now = isoNow();
      const result = await pair(endpointId, connectionId)
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
      return Number(result.numUpdatedRows) === 1;
    },
    async failed(endpointId, connectionId, fence, state) {
      const now = isoNow();
      const result = await pair(endpointId, connectionId)
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
      return Number(result.numUpdatedRows) === 1;
    },
    async replay(endpointId, connectionId, since) {
      const now = isoNow();
      await ensure(endpointId, connectionId, now);
      await pair(endpointId, connectionId)
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
      return (await get(endpointId, connectionId))!;
    },
  };
}

function fromRow(row: Selectable<WebhookCursorsTable>): WebhookCursor {
  return {
    endpointId: row.endpoint_id,
    connectionId: row.connection_id,
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
