import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * Background work per connection (syncs, token refreshes, scans) goes through a `JobRunner`.
 *
 * Two implementations sit behind this one interface:
 * - `InProcessJobRunner` (now): the embedded default. Queue and timers live in this process; every job and attempt is
 *   recorded in the store's `jobs` and `job_runs` tables, and jobs left unfinished by a crash are resumed at start.
 * - `PgBossJobRunner`: a queue on pg-boss that several tenantlink processes share through PostgreSQL, with the same
 *   guarantees: one job per (connection, kind) at a time cluster-wide, coalescing, bounded retries with backoff.
 */

export interface JobRef {
  id: string;
  kind: string;
  connectionId: string;
}

export interface JobProgress {
  done?: number;
  total?: number;
  message?: string;
}

/** What a handler receives for one attempt. */
export interface JobContext<Payload = unknown> extends JobRef {
  payload: Payload;
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborted when the runner stops with `abortRunning`; long handlers should check it and return early. */
  signal: AbortSignal;
  /** When the job was enqueued (epoch ms); a request that joined it later does not change it. */
  enqueuedAt: number;
  progress(progress: JobProgress): void;
}

/**
 * Thrown by a handler that cannot run yet for a reason outside the job (the work is held elsewhere): the job runs
 * again after `delayMs`, and this try does not count as an attempt.
 */
export class JobDeferred extends Error {
  constructor(
    readonly delayMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'JobDeferred';
  }
}

/** Runs one attempt; a throw or rejection is a failed attempt and may be retried (a `JobDeferred` waits instead). */
export type JobHandler<Payload = unknown> = (context: JobContext<Payload>) => Promise<void>;

export interface JobOutcome {
  status: 'succeeded' | 'failed' | 'stopped';
  /** The last error, for `failed` (never contains a secret: handlers throw TenantlinkErrors). */
  error?: string;
  attempts: number;
}

export interface EnqueuedJob {
  jobId: string;
  /** True when the request was merged into a job already waiting for this connection and kind. */
  coalesced: boolean;
  /** Settles (never rejects) when the job has succeeded, failed for good, or the runner stopped first. */
  done: Promise<JobOutcome>;
}

export interface ScheduledJob {
  cancel(): void;
}

export type JobEvent =
  | { type: 'queued'; job: JobRef; coalesced: boolean }
  | { type: 'started'; job: JobRef; attempt: number }
  | { type: 'progress'; job: JobRef; attempt: number; progress: JobProgress }
  | { type: 'succeeded'; job: JobRef; attempt: number; durationMs: number }
  | { type: 'retrying'; job: JobRef; attempt: number; error: string; delayMs: number }
  | { type: 'failed'; job: JobRef; attempt: number; error: string }
  | { type: 'record-failed'; job: JobRef; error: string };

/** A job to enqueue again and again, every `everyMs`. */
export interface ScheduleRequest {
  kind: string;
  connectionId: string;
  everyMs: number;
  payload?: unknown;
  immediately?: boolean;
}

/** A request for a run of a job kind. */
export interface EnqueueRequest {
  kind: string;
  /** The connection the job is for; empty for a job of no connection (an endpoint's lifecycle events). */
  connectionId: string;
  /** What one job at a time is about, besides its kind. Default: the connection. */
  key?: string;
  payload?: unknown;
  /** Start no sooner than this. */
  delayMs?: number;
  /** Joining a job that waits for later: bring its start forward to this request's. Default false. */
  expedite?: boolean;
}

export interface RegisterOptions {
  /** Counts against the per-tenant limit of the shared queue (it reads Graph). Default true. */
  perTenant?: boolean;
}

export interface JobRunner {
  /** One handler per kind; register before `start()`. */
  register<Payload>(kind: string, handler: JobHandler<Payload>, options?: RegisterOptions): void;
  /**
   * Asks for a run of `kind` for a connection (or `key`). At most one job per (key, kind) runs at a time: a request
   * made while one is waiting joins it, and a request made while one runs becomes a single follow-up run after it.
   * With `db` (a transaction on the store) and a `transactional` runner, the job exists only if that transaction
   * commits.
   */
  enqueue(request: EnqueueRequest, options?: { db?: Kysely<Database> }): Promise<EnqueuedJob>;
  /** Whether `enqueue` takes part in the caller's transaction (the shared queue); else enqueue after the commit. */
  readonly transactional: boolean;
  /** A job of this kind was enqueued in a transaction that has now committed: take it without waiting for a poll. */
  wake(kind: string): void;
  /** Enqueues every `everyMs` (coalesced, so a slow run never piles up), first at start unless `immediately` is false. */
  schedule(request: ScheduleRequest): ScheduledJob;
  start(): Promise<void>;
  /** Stops starting jobs and schedules, and waits for the running ones to finish. Waiting jobs stay recorded. */
  stop(options?: { abortRunning?: boolean }): Promise<void>;
  /** Resolves when nothing is running or waiting. */
  whenIdle(): Promise<void>;
  /**
   * Jobs waiting to run (queued or waiting for a retry) per registered kind: this process's for the in-process runner,
   * the shared queue's for PostgreSQL. Rejects when the queue cannot be read (readiness uses it).
   */
  queueDepth(): Promise<Record<string, number>>;
  onEvent(listener: (event: JobEvent) => void): () => void;
}
