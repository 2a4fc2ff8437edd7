import type { Selectable } from 'kysely';
import type { IsoTimestamp, StoreHandle, WebhookDeliveriesTable, WebhookDeliveryStatus } from './schema.js';

/** One delivery attempt, as the log shows it. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  connectionId: string;
  fromSeq: number;
  toSeq: number;
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

export interface WebhookDeliveriesRepository {
  record(delivery: WebhookDelivery): Promise<void>;
  /** Newest first. */
  list(endpointId: string, options?: { connectionId?: string; limit?: number }): Promise<WebhookDelivery[]>;
  /** Deletes attempts made before `before`; returns how many. */
  prune(before: IsoTimestamp): Promise<number>;
}

export function webhookDeliveriesRepository({ db }: StoreHandle): WebhookDeliveriesRepository {
  return {
    async record(d) {
      await db
        .insertInto('webhook_deliveries')
        .values({
          id: d.id,
          endpoint_id: d.endpointId,
          connection_id: d.connectionId,
          from_seq: d.fromSeq,
          to_seq: d.toSeq,
          entries: d.entries,
          attempt: d.attempt,
          status: d.status,
          status_code: d.statusCode,
          error: d.error,
          duration_ms: d.durationMs,
          next_attempt_at: d.nextAttemptAt,
          attempted_at: d.attemptedAt,
          delivered_at: d.deliveredAt,
        })
        .execute();
    },
    async list(endpointId, options = {}) {
      let query = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
      if (options.connectionId !== undefined) query = query.where('connection_id', '=', options.connectionId);
      const rows = await query
        .orderBy('attempted_at', 'desc')
        .orderBy('to_seq', 'desc')
        .orderBy('attempt', 'desc')
        .limit(options.limit ?? 50)
        .execute();
      return rows.map(fromRow);
    },
    async prune(before) {
      const result = await db.deleteFrom('webhook_deliveries').where('attempted_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    connectionId: row.connection_id,
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    entries: Number(row.entries),
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
