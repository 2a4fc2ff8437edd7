import type { Kysely } from 'kysely';

/**
 * The typed shape of tenantlink's database, shared by SQLite and PostgreSQL.
 *
 * Portable types only: text, integer, and timestamps as ISO-8601 UTC text with millisecond precision
 * (`2025-01-31T09:15:00.000Z`). That format sorts and compares correctly as text on both dialects, reads the same in
 * either database's shell, and avoids PostgreSQL's bigint-as-string and SQLite's lack of a date type.
 * JSON values are stored as text and parsed by the repositories.
 */

/** An ISO-8601 UTC timestamp, e.g. `2025-01-31T09:15:00.000Z`. */
export type IsoTimestamp = string;

export type AuthMode = 'secret' | 'certificate' | 'delegated' | 'multi-tenant';
export const AUTH_MODES: readonly AuthMode[] = ['secret', 'certificate', 'delegated', 'multi-tenant'];

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
  connection_id: string;
  kind: string;
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

export interface Database {
  connections: ConnectionsTable;
  secrets: SecretsTable;
  jobs: JobsTable;
  job_runs: JobRunsTable;
}

/**
 * What repositories need: the query builder and which dialect it speaks. A `Store` is one; so is
 * `{ db: transaction, dialect }` inside a transaction.
 */
export interface StoreHandle {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
}

export function isoNow(): IsoTimestamp {
  return new Date().toISOString();
}
