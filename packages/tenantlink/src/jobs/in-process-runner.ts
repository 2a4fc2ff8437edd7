import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { TenantlinkError } from '../errors.js';
import { type JobsRepository, jobsRepository } from '../store/jobs-repository.js';
import type { Database, StoreHandle } from '../store/schema.js';
import { type BackoffOptions, exponentialBackoffDelay } from './backoff.js';
import { IntervalSchedules, jobErrorText, scheduleFailed } from './interval-schedules.js';
import {
  type EnqueuedJob,
  type EnqueueRequest,
  type JobContext,
  JobDeferred,
  type JobEvent,
  type JobHandler,
  type JobOutcome,
  type JobProgress,
  type JobRef,
  type JobRunner,
  type RegisterOptions,
  type ScheduledJob,
  type ScheduleRequest,
} from './runner.js';

export interface InProcessJobRunnerOptions {
  store: StoreHandle;
  /** Jobs running at once across all connections. Default 4. */
  concurrency?: number;
  /** Attempts per job, including the first. Default 5. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** Whether a failed attempt is worth retrying. Default: always. */
  shouldRetry?: (error: unknown, job: JobRef) => boolean;
  /** Resume jobs a previous process left queued, running or waiting to retry. Default true; a one-shot CLI
   * command sharing the database with a running server should pass false so it does not take the server's jobs. */
  resumeUnfinished?: boolean;
  /** For tests: the jitter source. */
  random?: () => number;
}

type Phase = 'queued' | 'running' | 'retrying';

interface LiveJob extends JobRef {
  /** What one job at a time is about (the connection unless the request named another). */
  key: string;
  payload: unknown;
  attempts: number;
  phase: Phase;
  enqueuedAt: number;
  dueAt: number;
  timer?: NodeJS.Timeout;
  controller: AbortController;
  /** Store writes for this job, chained so they land in order even though the runner does not wait for them. */
  writes: Promise<void>;
  settle: (outcome: JobOutcome) => void;
  done: Promise<JobOutcome>;
  lastError?: string;
}

/** The job of a (connection, kind) that is in progress, and the single run requested while it is. */
interface Slot {
  current: LiveJob;
  followUp?: LiveJob;
}

export class InProcessJobRunner implements JobRunner {
  readonly #jobs: JobsRepository;
  readonly #handlers = new Map<string, JobHandler<unknown>>();
  readonly #slots = new Map<string, Slot>();
  readonly #ready: LiveJob[] = [];
  readonly #running = new Set<Promise<void>>();
  readonly #schedules = new IntervalSchedules(
    (request) => this.enqueue(request),
    (request, err) => this.#state === 'started' && this.#emit(scheduleFailed(request, err)),
  );
  readonly #listeners = new Set<(event: JobEvent) => void>();
  readonly #writesInFlight = new Set<Promise<void>>();
  #idleWaiters: (() => void)[] = [];
  #state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  readonly #concurrency: number;
  readonly #maxAttempts: number;
  readonly #options: InProcessJobRunnerOptions;

  constructor(options: InProcessJobRunnerOptions) {
    this.#options = options;
    this.#jobs = jobsRepository(options.store);
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  }

  /** Jobs live in this process: enqueue after the transaction that causes them commits. */
  readonly transactional = false;

  wake(): void {}

  register<Payload>(kind: string, handler: JobHandler<Payload>, _options?: RegisterOptions): void {
    if (this.#handlers.has(kind)) {
      throw new TenantlinkError('JOB_KIND_REGISTERED', `A handler for job kind '${kind}' is already registered.`);
    }
    this.#handlers.set(kind, handler as JobHandler<unknown>);
  }

  /** `options.db` is not taken part in (see `transactional`): the job is queued at once. */
  async enqueue(request: EnqueueRequest, _options?: { db?: Kysely<Database> }): Promise<EnqueuedJob> {
    if (!this.#handlers.has(request.kind)) {
      throw new TenantlinkError('JOB_KIND_UNKNOWN', `No handler is registered for job kind '${request.kind}'.`);
    }
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new TenantlinkError('JOB_RUNNER_STOPPED', 'The job runner has stopped and takes no new jobs.');
    }
    const jobKey = request.key ?? request.connectionId;
    const key = slotKey(jobKey, request.kind);
    const slot = this.#slots.get(key);
    const waiting = slot ? (slot.current.phase === 'queued' ? slot.current : slot.followUp) : undefined;
    if (waiting) {
      waiting.payload = request.payload ?? null;
      this.#record(waiting, () => this.#jobs.updatePayload(waiting.id, waiting.payload));
      if (request.expedite) this.#expedite(waiting, Date.now() + Math.max(0, request.delayMs ?? 0));
      this.#emit({ type: 'queued', job: ref(waiting), coalesced: true });
      return { jobId: waiting.id, coalesced: true, done: waiting.done };
    }
    const job = this.#newJob(request.kind, request.connectionId, jobKey, request.payload ?? null, request.delayMs ?? 0);
    this.#record(job, () =>
      this.#jobs.insertJob({ ...ref(job), key: job.key, payload: job.payload, scheduledAt: iso(job.dueAt) }),
    );
    if (slot) {
      slot.followUp = job;
    } else {
      this.#slots.set(key, { current: job });
      this.#makeDue(job);
    }
    this.#emit({ type: 'queued', job: ref(job), coalesced: false });
    return { jobId: job.id, coalesced: false, done: job.done };
  }

  schedule(request: ScheduleRequest): ScheduledJob {
    return this.#schedules.add(request);
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new TenantlinkError('JOB_RUNNER_STARTED', 'The job runner was already started.');
    this.#state = 'started';
    if (this.#options.resumeUnfinished !== false) await this.#resumeUnfinished();
    this.#schedules.startAll();
    this.#pump();
  }

  async stop(options: { abortRunning?: boolean } = {}): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopping';
    this.#schedules.stopAll();
    if (options.abortRunning) {
      for (const slot of this.#slots.values()) {
        if (slot.current.phase === 'running') slot.current.controller.abort();
      }
    }
    await Promise.all(this.#running);
    // What has not run stays in the jobs table (queued or retrying) for the next start to resume.
    for (const slot of this.#slots.values()) {
      for (const job of [slot.current, slot.followUp]) {
        if (!job) continue;
        if (job.timer) clearTimeout(job.timer);
        job.settle({ status: 'stopped', attempts: job.attempts, ...(job.lastError ? { error: job.lastError } : {}) });
      }
    }
    await Promise.all(this.#writesInFlight);
    this.#slots.clear();
    this.#ready.length = 0;
    this.#state = 'stopped';
    this.#notifyIdle();
  }

  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.all(this.#writesInFlight).then(() => {});
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async queueDepth(): Promise<Record<string, number>> {
    const depth: Record<string, number> = Object.fromEntries([...this.#handlers.keys()].map((k) => [k, 0]));
    for (const slot of this.#slots.values())
      for (const job of [slot.current, slot.followUp])
        if (job && job.phase !== 'running') depth[job.kind] = (depth[job.kind] ?? 0) + 1;
    return depth;
  }

  onEvent(listener: (event: JobEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A waiting job due later is made due at `at` (a current job now in its timer; a follow-up when it takes over). */
  #expedite(job: LiveJob, at: number): void {
    if (job.dueAt <= at) return;
    job.dueAt = at;
    this.#record(job, () => this.#jobs.reschedule(job.id, iso(at)));
    if (!job.timer) return;
    clearTimeout(job.timer);
    job.timer = undefined;
    this.#makeDue(job);
  }

  #newJob(
    kind: string,
    connectionId: string,
    key: string,
    payload: unknown,
    delayMs: number,
    id: string = randomUUID(),
  ): LiveJob {
    let settle!: (outcome: JobOutcome) => void;
    const done = new Promise<JobOutcome>((resolve) => {
      settle = resolve;
    });
    return {
      id,
      kind,
      connectionId,
      key,
      payload,
      attempts: 0,
      phase: 'queued',
      enqueuedAt: Date.now(),
      dueAt: Date.now() + Math.max(0, delayMs),
      controller: new AbortController(),
      writes: Promise.resolve(),
      settle,
      done,
    };
  }

  /** Puts a job in the ready queue now, or when it falls due. */
  #makeDue(job: LiveJob): void {
    const wait = job.dueAt - Date.now();
    if (wait <= 0) {
      this.#ready.push(job);
      this.#pump();
      return;
    }
    job.timer = setTimeout(() => {
      job.timer = undefined;
      this.#ready.push(job);
      this.#pump();
    }, wait);
  }

  #pump(): void {
    if (this.#state !== 'started') return;
    while (this.#running.size < this.#concurrency) {
      const job = this.#ready.shift();
      if (!job) break;
      const run = this.#run(job).finally(() => {
        this.#running.delete(run);
        this.#pump();
        this.#notifyIdle();
      });
      this.#running.add(run);
    }
  }

  async #run(job: LiveJob): Promise<void> {
    const handler = this.#handlers.get(job.kind)!;
    job.phase = 'running';
    job.attempts += 1;
    const attempt = job.attempts;
    const runId = randomUUID();
    const startedAt = Date.now();
    const scheduledAt = iso(job.dueAt);
    this.#record(job, () =>
      this.#jobs.recordStart({ runId, jobId: job.id, attempt, scheduledAt, startedAt: iso(startedAt) }),
    );
    this.#emit({ type: 'started', job: ref(job), attempt });
    const context: JobContext<unknown> = {
      ...ref(job),
      payload: job.payload,
      attempt,
      signal: job.controller.signal,
      enqueuedAt: job.enqueuedAt,
      progress: (progress: JobProgress) => this.#emit({ type: 'progress', job: ref(job), attempt, progress }),
    };
    try {
      await handler(context);
    } catch (err) {
      if (err instanceof JobDeferred) this.#deferred(job, runId, err);
      else this.#failed(job, runId, attempt, err);
      return;
    }
    const finishedAt = Date.now();
    this.#record(job, () =>
      this.#jobs.recordFinish({
        runId,
        jobId: job.id,
        runStatus: 'succeeded',
        jobStatus: 'succeeded',
        error: null,
        finishedAt: iso(finishedAt),
      }),
    );
    this.#emit({ type: 'succeeded', job: ref(job), attempt, durationMs: finishedAt - startedAt });
    this.#finish(job, { status: 'succeeded', attempts: attempt });
  }

  #failed(job: LiveJob, runId: string, attempt: number, err: unknown): void {
    const error = jobErrorText(err);
    job.lastError = error;
    const retry = attempt < this.#maxAttempts && (this.#options.shouldRetry?.(err, ref(job)) ?? true);
    if (!retry) {
      this.#record(job, () =>
        this.#jobs.recordFinish({
          runId,
          jobId: job.id,
          runStatus: 'failed',
          jobStatus: 'failed',
          error,
          finishedAt: iso(Date.now()),
        }),
      );
      this.#emit({ type: 'failed', job: ref(job), attempt, error });
      this.#finish(job, { status: 'failed', error, attempts: attempt });
      return;
    }
    const delayMs = exponentialBackoffDelay(attempt, this.#options.backoff, this.#options.random);
    this.#waitToRunAgain(job, runId, 'failed', error, delayMs);
    this.#emit({ type: 'retrying', job: ref(job), attempt, error, delayMs });
    if (this.#state === 'started') this.#makeDue(job);
  }

  /** The handler could not run yet: the job waits and runs again, without this try counting as an attempt. */
  #deferred(job: LiveJob, runId: string, deferral: JobDeferred): void {
    job.attempts -= 1;
    this.#waitToRunAgain(job, runId, 'interrupted', deferral.message, Math.max(0, deferral.delayMs));
    if (this.#state === 'started') this.#makeDue(job);
  }

  /** Closes the run with `runStatus` and records the job as waiting to run again after `delayMs`. */
  #waitToRunAgain(
    job: LiveJob,
    runId: string,
    runStatus: 'failed' | 'interrupted',
    error: string,
    delayMs: number,
  ): void {
    job.phase = 'retrying';
    job.dueAt = Date.now() + delayMs;
    const nextScheduledAt = iso(job.dueAt);
    this.#record(job, () =>
      this.#jobs.recordFinish({
        runId,
        jobId: job.id,
        runStatus,
        jobStatus: 'retrying',
        error,
        finishedAt: iso(Date.now()),
        nextScheduledAt,
      }),
    );
  }

  /** Ends a job for good and lets its slot's follow-up, if any, take its place. */
  #finish(job: LiveJob, outcome: JobOutcome): void {
    // Settle after the job's rows are written, so whoever awaits `done` can read its runs.
    void job.writes.then(() => job.settle(outcome));
    const key = slotKey(job.key, job.kind);
    const slot = this.#slots.get(key);
    if (slot?.current !== job) return;
    if (slot.followUp) {
      const next = slot.followUp;
      slot.current = next;
      slot.followUp = undefined;
      this.#makeDue(next);
    } else {
      this.#slots.delete(key);
    }
  }

  async #resumeUnfinished(): Promise<void> {
    const unfinished = await this.#jobs.takeOverUnfinished(iso(Date.now()));
    for (const record of unfinished) {
      if (!this.#handlers.has(record.kind)) continue;
      const jobKey = record.key ?? record.connectionId;
      const key = slotKey(jobKey, record.kind);
      if (this.#slots.has(key)) {
        // Two leftovers for one slot (a job and its follow-up): the later one is redundant with the earlier.
        this.#record(this.#slots.get(key)!.current, () => this.#jobs.setStatus(record.id, 'cancelled'));
        continue;
      }
      const job = this.#newJob(record.kind, record.connectionId, jobKey, record.payload, 0, record.id);
      job.enqueuedAt = Date.parse(record.createdAt) || Date.now();
      job.attempts = record.status === 'queued' ? record.attempts : Math.min(record.attempts, this.#maxAttempts - 1);
      job.dueAt = Math.max(Date.now(), Date.parse(record.scheduledAt) || 0);
      this.#record(job, () => this.#jobs.setStatus(job.id, 'queued'));
      this.#slots.set(key, { current: job });
      this.#makeDue(job);
      this.#emit({ type: 'queued', job: ref(job), coalesced: false });
    }
  }

  /** Chains a store write after the job's earlier ones; a failed write is reported, not thrown into the job. */
  #record(job: LiveJob, write: () => Promise<void>): void {
    const chained = job.writes.then(write).catch((err: unknown) => {
      this.#emit({ type: 'record-failed', job: ref(job), error: jobErrorText(err) });
    });
    job.writes = chained;
    this.#writesInFlight.add(chained);
    void chained.finally(() => this.#writesInFlight.delete(chained));
  }

  #emit(event: JobEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break the runner.
      }
    }
  }

  #isIdle(): boolean {
    return this.#running.size === 0 && this.#slots.size === 0;
  }

  /** Resolves idle waiters once the last job's store writes have landed, so they read final rows. */
  #notifyIdle(): void {
    if (!this.#isIdle() && this.#state !== 'stopped') return;
    if (this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    Promise.all(this.#writesInFlight).then(() => {
      for (const resolve of waiters) resolve();
    });
  }
}

function slotKey(key: string, kind: string): string {
  return `${key}\u0000${kind}`;
}

function ref(job: LiveJob): JobRef {
  return { id: job.id, kind: job.kind, connectionId: job.connectionId };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
