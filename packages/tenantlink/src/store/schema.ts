import type { Generated, Kysely } from 'kysely';

/**
 * The typed shape of tenantlink's database, shared by SQLite and PostgreSQL.
 *
 * Portable types only: text, integer, and timestamps as ISO-8601 UTC text with millisecond precision
 * (`2025-01-31T09:15:00.000Z`). That format sorts and compares correctly as text on both dialects, reads the same in
 * either database's shell, and avoids PostgreSQL's bigint-as-string and SQLite's lack of a date type.
 * JSON values are stored as text and parsed by the repositories.
 */

import type { ApiKeyScope, AuthMode, IntegrationAuthMode } from '../model/auth-modes.js';

/** An ISO-8601 UTC timestamp, e.g. `2025-01-31T09:15:00.000Z`. */
export type IsoTimestamp = string;

export type SecretKind = 'client_secret' | 'certificate_key' | 'refresh_token' | 'token_cache';
export const SECRET_KINDS: readonly SecretKind[] = ['client_secret', 'certificate_key', 'refresh_token', 'token_cache'];

export type JobStatus = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'cancelled';
export type JobRunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface ConnectionsTable {
  id: string;
  name: string;
  tenant: string;
  client_id: string;
  auth_mode: AuthMode;
  /** JSON: a cloud name or `{authorityHost, graphEndpoint}`. */
  cloud: string;
  /** JSON array of feature names. */
  features: string;
  /** JSON object. */
  settings: string;
  certificate_thumbprint: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface SecretsTable {
  connection_id: string;
  kind: SecretKind;
  /** Produced by the vault; the store never sees a plaintext. */
  ciphertext: string;
  /** Which vault key encrypted `ciphertext`, so rotation knows what to re-encrypt. */
  key_id: string;
  updated_at: IsoTimestamp;
}

/** One row per enqueued job: its latest state. */
export interface JobsTable {
  id: string;
  /** Empty for a job of no connection. */
  connection_id: string;
  kind: string;
  /** What one job at a time is about when it is not the connection (an endpoint and a connection); null: the connection. */
  job_key: string | null;
  /** JSON. */
  payload: string;
  status: JobStatus;
  attempts: number;
  last_error: string | null;
  scheduled_at: IsoTimestamp;
  started_at: IsoTimestamp | null;
  finished_at: IsoTimestamp | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

/** One row per attempt of a job. */
export interface JobRunsTable {
  id: string;
  job_id: string;
  connection_id: string;
  kind: string;
  attempt: number;
  status: JobRunStatus;
  error: string | null;
  scheduled_at: IsoTimestamp;
  started_at: IsoTimestamp;
  finished_at: IsoTimestamp | null;
}

/**
 * What an API key may do: `admin` everything; `read` safe methods (GET, HEAD) only; `metrics` only `GET /metrics`, for
 * a Prometheus scraper.
 */

/** An API key: only its SHA-256 is kept; `prefix` (the first characters) lets people tell keys apart. */
export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scope: ApiKeyScope;
  created_at: IsoTimestamp;
  last_used_at: IsoTimestamp | null;
}

/** A console sign-in: the cookie's SHA-256 and the CSRF token that unsafe requests must echo. */
export interface ConsoleSessionsTable {
  id_hash: string;
  csrf_token: string;
  created_at: IsoTimestamp;
  expires_at: IsoTimestamp;
}

/** Server-wide settings (the admin password's scrypt hash, ...). */
export interface ServerSettingsTable {
  key: string;
  value: string;
  updated_at: IsoTimestamp;
}

/** One doctor run of a connection ("Run test"), with its full report as JSON. */
export interface DoctorRunsTable {
  id: string;
  connection_id: string;
  started_at: IsoTimestamp;
  finished_at: IsoTimestamp;
  /** 1 when no error was found. */
  ok: number;
  errors: number;
  warnings: number;
  report: string;
}

/** The vendor's own app registration that customers connect through (admin consent or delegated sign-in). */
export interface IntegrationsTable {
  id: string;
  name: string;
  client_id: string;
  auth_mode: IntegrationAuthMode;
  /** JSON, as for connections. */
  cloud: string;
  /** JSON array of feature names. */
  features: string;
  /** Where the customer's browser goes back to when the flow ends (the vendor's product). */
  return_url: string;
  /** The app's client secret, encrypted by the vault. */
  secret_ciphertext: string;
  secret_key_id: string;
  /** When that secret expires, if the vendor recorded it. */
  secret_expires_at: IsoTimestamp | null;
  /** The name customers see on the connect pages (plain text); null: the integration's name. */
  display_name: string | null;
  /** The vendor's logo on the connect pages: an absolute https URL, or null. */
  logo_url: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

/**
 * `session`: a one-time connect link. `admin-sign-in` then `admin-consent`: the two legs of admin consent (the sign-in
 * proves which tenant the admin belongs to; the consent must come from that tenant). `auth-code`: a delegated sign-in.
 * `device-code`: a device-code sign-in.
 */
export type ConnectFlowKind = 'session' | 'admin-sign-in' | 'admin-consent' | 'auth-code' | 'device-code';
export const CONNECT_FLOW_KINDS: readonly ConnectFlowKind[] = [
  'session',
  'admin-sign-in',
  'admin-consent',
  'auth-code',
  'device-code',
];

/**
 * Where a connect flow stands. A connect session is `pending` until its link is opened (`used`); a browser flow is
 * `pending` until its callback claims it (`redeeming`), then `connected` or `failed` (or `used` when an admin's
 * sign-in leads on to the consent); a device-code flow goes from `pending` to `connected` or `failed`.
 */
export type ConnectFlowStatus = 'pending' | 'used' | 'redeeming' | 'connected' | 'failed';

/**
 * A connect session or a connect flow in progress, found by the SHA-256 of its one secret handle: the session
 * token, the `state` sent to Microsoft, or the device-code flow ID. The handle itself is never stored.
 */
export interface ConnectFlowsTable {
  id_hash: string;
  kind: ConnectFlowKind;
  /** The integration it goes through; null for a device-code sign-in on a public client app. */
  integration_id: string | null;
  /** The vendor's own `state`, echoed back on the return URL. */
  vendor_state: string | null;
  return_url: string | null;
  /**
   * Flow secrets as JSON encrypted by the vault (the PKCE verifier and nonce of a sign-in; the tenant and user name the
   * admin signed in with, for the consent leg); cleared when the flow ends.
   */
  payload_ciphertext: string | null;
  payload_key_id: string | null;
  status: ConnectFlowStatus;
  connection_id: string | null;
  /** Why the flow failed, JSON `{code, message}` as shown to whoever started it (never a secret). */
  error: string | null;
  created_at: IsoTimestamp;
  expires_at: IsoTimestamp;
  /** The connect session this leg belongs to (browser flows); null for device code and older flows. */
  session_id: string | null;
}

export type ConnectSessionStatus = 'pending' | 'opened' | 'connected' | 'failed';

/**
 * A one-time connect link a vendor made for one customer: found by its token's SHA-256 (the link) or its id (the
 * vendor's server), and how connecting through it ended.
 */
export interface ConnectSessionsTable {
  id: string;
  token_hash: string;
  integration_id: string;
  vendor_state: string | null;
  return_url: string | null;
  status: ConnectSessionStatus;
  /** SHA-256 of the cookie of the browser that opened the link: reopening it there resumes. */
  browser_hash: string | null;
  connection_id: string | null;
  tenant_id: string | null;
  /** JSON `{code, message}` when it failed. */
  error: string | null;
  /** JSON `{result, warnings}`: the new connection's first test (`pending` while replication is waited for). */
  test: string | null;
  created_at: IsoTimestamp;
  expires_at: IsoTimestamp;
  opened_at: IsoTimestamp | null;
  finished_at: IsoTimestamp | null;
}

/** Why a synced record reads as deleted in the change feed. */
export type RecordDeleteReason = 'deleted' | 'softDeleted' | 'outOfScope' | 'missing';

/**
 * One synced object of a connection (a user, a group, a membership, ...) in its latest state. The row is also its
 * change-feed entry: `seq` moves to the connection's next sequence number whenever what the feed shows changes (its
 * data, or that it was deleted), so "records since N" is an index range and a record appears once however often it
 * changed.
 */
export interface SyncRecordsTable {
  connection_id: string;
  /** `users`, `groups`, `memberships`, ... */
  model: string;
  external_id: string;
  /** The object it belongs to (a membership's group), so it can be found from there. */
  parent_id: string | null;
  /** The object it points to (a membership's member). */
  ref_id: string | null;
  /** JSON. Null for a deleted record, except one kept out of scope by filters (so it can come back). */
  data: string | null;
  /** 1 when the feed shows it as deleted. */
  deleted: number;
  reason: RecordDeleteReason | null;
  /** The feed sequence of its last visible change; 0 for a record the feed never showed. */
  seq: number;
  /** The last full read that saw it; a full read deletes what it did not see. */
  seen_generation: number;
  updated_at: IsoTimestamp;
}

/** The last feed sequence number given out per connection (the counter row is what orders concurrent writers). */
export interface SyncSequencesTable {
  connection_id: string;
  last_seq: number;
  /** The highest sequence number of a deletion pruned from the feed (0: none). */
  pruned_through_seq: Generated<number>;
}

/** Where a connection's sync of one dataset stands, and who may write it (the lease). */
export interface SyncCursorsTable {
  connection_id: string;
  dataset: string;
  /** JSON: the round in progress or the last one finished, with each stream's link. */
  state: string | null;
  /** Counts full reads; records carry the generation that last saw them. */
  generation: number;
  lease_run_id: string | null;
  /** `host:pid` of the process holding the lease. */
  lease_holder: string | null;
  lease_expires_at: IsoTimestamp | null;
  updated_at: IsoTimestamp;
}

export type SyncRunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted';
export type SyncRunTrigger = 'manual' | 'schedule' | 'cli' | 'notification';

/** One run of a dataset's sync, with its progress (updated with every committed page). */
export interface SyncRunsTable {
  id: string;
  connection_id: string;
  dataset: string;
  trigger: SyncRunTrigger;
  requested_full: number;
  /** `full` or `delta` once the run knows which round it does. */
  mode: string | null;
  status: SyncRunStatus;
  pages: number;
  /** Objects read from Microsoft Graph. */
  records: number;
  /** Change-feed entries written. */
  changes: number;
  /** Objects a full read expects (from `$count`), for the ETA. */
  total: number | null;
  /** JSON `{code, message}`. */
  error: string | null;
  holder: string | null;
  created_at: IsoTimestamp;
  started_at: IsoTimestamp | null;
  finished_at: IsoTimestamp | null;
  updated_at: IsoTimestamp;
}

/** A webhook endpoint: where the change feed is POSTed, signed with its secret (encrypted by the vault). */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  /** Null: every connection, including ones added later. */
  connection_id: string | null;
  /** JSON array of models (`users`, `groups`, ...); null for every model. */
  models: string | null;
  enabled: number;
  secret_ciphertext: string;
  secret_key_id: string;
  /** The secret before the last rotation, still signed with until `previous_secret_expires_at`. */
  previous_secret_ciphertext: string | null;
  previous_secret_key_id: string | null;
  previous_secret_expires_at: IsoTimestamp | null;
  /** The whole URL, vault-encrypted, when it has a query string (`url` then shows the query's values masked). */
  url_ciphertext: string | null;
  url_key_id: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

/**
 * How far an endpoint has received a connection's feed (`last_seq`), its retry state, and the lease that keeps one
 * delivery in flight for the pair across processes. `generation` grows with each replay, so a delivery that started
 * before a replay cannot move the cursor the replay set.
 */
export interface WebhookCursorsTable {
  endpoint_id: string;
  connection_id: string;
  last_seq: number;
  generation: number;
  /** Failed attempts in a row since the last success. */
  attempts: number;
  /** The last sequence number of the batch that failed: its retries carry the same range. */
  retry_to_seq: number | null;
  /** 1 once the attempts ran out: retried only on the next commit or a replay. */
  failing: number;
  next_attempt_at: IsoTimestamp | null;
  last_attempt_at: IsoTimestamp | null;
  last_delivered_at: IsoTimestamp | null;
  last_error: string | null;
  /** Random per acquisition: fences every cursor write. */
  lease_token: string | null;
  /** `host:pid` of the process holding the lease. */
  lease_holder: string | null;
  lease_expires_at: IsoTimestamp | null;
  updated_at: IsoTimestamp;
}

export type WebhookDeliveryStatus = 'succeeded' | 'failed';

/** One delivery attempt: the feed range it carried and how the endpoint answered. Bodies are never kept. */
export interface WebhookDeliveriesTable {
  /** The attempt's id. */
  id: string;
  /** The delivery's id (`tenantlink-delivery`): the same on every attempt of one batch or event; null before 0014. */
  delivery_id: string | null;
  endpoint_id: string;
  connection_id: string;
  from_seq: number;
  to_seq: number;
  entries: number;
  /** 1 for the first attempt at this cursor position, counting up while it fails. */
  attempt: number;
  status: WebhookDeliveryStatus;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  /** When the next attempt is due, after a failure that will be retried. */
  next_attempt_at: IsoTimestamp | null;
  attempted_at: IsoTimestamp;
  delivered_at: IsoTimestamp | null;
}

/**
 * The outbox of lifecycle webhook events (`connection.created`, `connect.failed`): one row per event, numbered from
 * `webhook_event_sequence`, kept until every endpoint that takes it has it and it is older than the feed retention.
 */
export interface WebhookEventsTable {
  seq: number;
  /** The event's id, as its body shows it (the same on every attempt). */
  id: string;
  type: string;
  /** The connection it is about; null when it names none (`connect.failed`). No foreign key: it outlives the connection. */
  connection_id: string | null;
  /** JSON: the event's own fields (the body is `{type, id, occurredAt, ...these}`). */
  payload: string;
  created_at: IsoTimestamp;
}

/**
 * The last event sequence number given out (one row, `id` 1). A publisher locks it until it commits, so events commit
 * in sequence order and a reader of "after N" never skips one that commits later.
 */
export interface WebhookEventSequenceTable {
  id: number;
  last_seq: number;
  /** The highest sequence number of an event pruned (0: none): a replay from below it would miss events. */
  pruned_through_seq: number;
}

/** How far an endpoint has received the lifecycle events: the same retry state and lease as a feed cursor. */
export type WebhookEventCursorsTable = Omit<WebhookCursorsTable, 'connection_id'>;

/** One delivery attempt of a lifecycle event, as `webhook_deliveries` logs feed batches. Bodies are never kept. */
export interface WebhookEventDeliveriesTable
  extends Omit<WebhookDeliveriesTable, 'connection_id' | 'from_seq' | 'to_seq' | 'entries'> {
  event_seq: number;
  event_id: string;
  event_type: string;
  /** The connection the event is about; null when it names none. */
  connection_id: string | null;
}

/** One slot in flight against a Graph resource (`{tenant}/{clientId}/mailbox:{user}`), held by a process under a lease. */
export interface GraphBudgetSlotsTable {
  resource_key: string;
  /** 0 … limit − 1. */
  slot: number;
  /** Random per acquisition: the slots taken together share it, and are renewed and released by it. */
  token: string;
  /** `host:pid:random` of the holding process, for diagnostics. */
  holder: string;
  /** The slot is free again after this unless renewed: how long a crashed process keeps it. */
  expires_at: IsoTimestamp;
}

/** A Graph resource paused by a 429's Retry-After, for every process. */
export interface GraphBudgetFencesTable {
  resource_key: string;
  until: IsoTimestamp;
}

/**
 * A bucket of units for a Graph resource (`{tenant}/{clientId}/directory-ru`), drawn from by every process. Numbers
 * rather than ISO text: the bucket is refilled by arithmetic on the time inside the one statement that spends.
 */
export interface GraphBudgetBucketsTable {
  resource_key: string;
  /** Units in the bucket at `refilled_at`. */
  tokens: number;
  /** Epoch ms. A bigint column: read it through a cast, or PostgreSQL's driver returns it as a string. */
  refilled_at: number;
}

export type GraphSubscriptionState = 'pending' | 'active' | 'reauthorize' | 'removed' | 'failed';

/**
 * A Microsoft Graph change-notification subscription a connection keeps for a feature: one row per watched resource.
 * `graph_id` is Microsoft's id once created; the client state is the per-subscription secret, as a vault envelope.
 */
export interface GraphSubscriptionsTable {
  id: string;
  connection_id: string;
  feature: string;
  resource: string;
  change_type: string;
  graph_id: string | null;
  client_state_ciphertext: string;
  client_state_key_id: string;
  state: GraphSubscriptionState;
  expires_at: IsoTimestamp | null;
  notifications: number;
  last_notification_at: IsoTimestamp | null;
  last_error: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface Database {
  connections: ConnectionsTable;
  secrets: SecretsTable;
  jobs: JobsTable;
  job_runs: JobRunsTable;
  api_keys: ApiKeysTable;
  console_sessions: ConsoleSessionsTable;
  server_settings: ServerSettingsTable;
  doctor_runs: DoctorRunsTable;
  integrations: IntegrationsTable;
  connect_flows: ConnectFlowsTable;
  connect_sessions: ConnectSessionsTable;
  sync_records: SyncRecordsTable;
  sync_sequences: SyncSequencesTable;
  sync_cursors: SyncCursorsTable;
  sync_runs: SyncRunsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_cursors: WebhookCursorsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_events: WebhookEventsTable;
  webhook_event_sequence: WebhookEventSequenceTable;
  webhook_event_cursors: WebhookEventCursorsTable;
  webhook_event_deliveries: WebhookEventDeliveriesTable;
  graph_budget_slots: GraphBudgetSlotsTable;
  graph_subscriptions: GraphSubscriptionsTable;
  graph_budget_fences: GraphBudgetFencesTable;
  graph_budget_buckets: GraphBudgetBucketsTable;
}

/**
 * What repositories need: the query builder and which dialect it speaks. A `Store` is one; so is
 * `{ db: transaction, dialect }` inside a transaction.
 */
export interface StoreHandle {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
}

/** Runs `work` in the transaction `db` already is, or in a new one. */
export function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

export function isoNow(): IsoTimestamp {
  return new Date().toISOString();
}
