import type { FeedEntry } from '../store/records-repository.js';

/** The event every delivery carries: a batch of the change feed, oldest first. */
export const RECORDS_CHANGED = 'records.changed';

export interface WebhookConnectionRef {
  id: string;
  name: string;
  /** The tenant as the connection was added with: the Directory (tenant) ID or a verified domain. */
  tenantId: string;
}

/** The JSON body of a delivery. */
export interface RecordsChangedPayload {
  type: typeof RECORDS_CHANGED;
  connection: WebhookConnectionRef;
  /** The first and last sequence numbers in `entries` (the feed has gaps: a record shows only at its latest change). */
  fromSeq: number;
  toSeq: number;
  entries: FeedEntry[];
}

/** A test event, sent on request, to check that the endpoint answers and verifies signatures. */
export const PING = 'ping';

export interface PingPayload {
  type: typeof PING;
  /** The endpoint's id. */
  webhook: string;
  sentAt: string;
}

export function pingPayload(endpointId: string): PingPayload {
  return { type: PING, webhook: endpointId, sentAt: new Date().toISOString() };
}

export function recordsChangedPayload(connection: WebhookConnectionRef, entries: FeedEntry[]): RecordsChangedPayload {
  return {
    type: RECORDS_CHANGED,
    connection,
    fromSeq: entries[0]?.seq ?? 0,
    toSeq: entries.at(-1)?.seq ?? 0,
    entries,
  };
}
