import { randomUUID } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
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
import { TenantSlots } from './tenant-slots.js';

export interface PgBossJobRunnerOptions {
  /** tenantlink's PostgreSQL store: jobs and their attempts are recorded in its `jobs` and `job_runs` tables. */
  store: StoreHandle;
  /** The same database, for pg-boss's own connection pool. */
  databaseUrl: string;
  /** The schema pg-boss keeps its queue in. Default `tenantlink_jobs`. */
  schema?: string;
  /** Take jobs in this process (a worker). False: only enqueue (an API-only server). Default true. */
  work?: boolean;
  /** Jobs of each kind running at once in this process. Default 4. */
  concurrency?: number;
  /** Attempts per job that fail by throwing, including the first. Default 5. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  shouldRetry?: (error: unknown, job: JobRef) => boolean;
  /**
   * How long a job may run before another process takes it over, as for a worker killed with kill -9. Keep it well
   * above one job's worst case: an expired job may still be running in its first process. Default 15 minutes.
   */
  expireInSeconds?: number;
  /** How often an idle worker asks for jobs. Default 2 s. */
  pollingIntervalSeconds?: number;
  /** How often expired jobs are looked for. Default 60 s. */
  maintenanceIntervalSeconds?: number;
  /**
   * At most `limit` jobs per tenant at once, across every process (Graph's budgets are per tenant). `tenantOf` names a
   * connection's tenant. A job that finds its tenant's slots taken goes back to the queue for a few seconds, without
   * counting as an attempt.
   */
  perTenant?: { limit: number; tenantOf: (connectionId: string) => Promise<string> };
  /** For tests: the jitter source. */
  random?: () => number;
}

/** What tenantlink puts in a pg-boss job: which logical job and connection, the payload, and its attempt. */
interface QueuedData {
  jobId: string;
  connectionId: string;
  /** The singleton key when it is not the connection. */
  key?: string;
  payload: unknown;
  /** Attempts that already failed by throwing (an attempt lost to a crash is counted by pg-boss's retryCount). */
  failed: number;
}

/** How many times pg-boss itself retries a job that expired (its worker died or hung). */
const EXPIRY_RETRIES = 3;

/**
 * The job runner for several tenantlink processes sharing one PostgreSQL database, on pg-boss 10 (the last line that
 * runs on Node 20). Each kind is a pg-boss queue with the `stately` policy and the connection as singleton key: at
 * most one job per (connection, kind) waits and one runs, cluster-wide, enforced by pg-boss's unique index rather than
 * by worker logic. A request while one waits joins it; a request while one runs becomes the single follow-up.
 *
 * Retries after a thrown error use tenantlink's backoff: the failed job is completed and its next attempt sent with a
 * start time, in one transaction. A job whose worker died expires and is retried by pg-boss (`expireInSeconds` plus
 * up to one maintenance interval later). Every job and attempt is recorded in the store's `jobs` and `job_runs`
 * tables, as the in-process runner records them.
 */
export class PgBossJobRunner implements JobRunner {
  readonly #options: PgBossJobRunnerOptions;
  readonly #boss: PgBoss;
  readonly #jobs: JobsRepository;
  readonly #handlers = new Map<string, JobHandler<unknown>>();
  readonly #kindOptions = new Map<string, RegisterOptions>();
  /** Jobs are rows in the store's database: an enqueue with `db` commits or rolls back with the caller's work. */
  readonly transactional = true;
  readonly #listeners = new Set<(event: JobEvent) => void>();
  readonly #running = new Map<string, AbortController>();
  readonly #schedules = new IntervalSchedules(
    (request) => this.enqueue(request),
    (request, err) => this.#state === 'started' && this.#emit(scheduleFailed(request, err)),
  );
  readonly #schema: string;
  readonly #tenantSlots: TenantSlots | undefined;
  /** This process's pg-boss workers per kind, woken after an enqueue here instead of at their next poll. */
  readonly #workers = new Map<string, string[]>();
  #state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';

  constructor(options: PgBossJobRunnerOptions) {
    if (options.store.dialect !== 'postgres')
      throw new TenantlinkError('INVALID_ARGUMENT', 'The PostgreSQL job runner needs a PostgreSQL store.');
    this.#options = options;
    this.#schema = options.schema ?? 'tenantlink_jobs';
    this.#jobs = jobsRepository(options.store);
    this.#boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema: this.#schema,
      application_name: 'tenantlink-jobs',
      max: Math.max(4, (options.concurrency ?? 4) + 2),
      expireInSeconds: options.expireInSeconds ?? 15 * 60,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
      // Cron is not used: schedules are tenantlink's (one per connection), and a few processes enqueueing the same
      // tick coalesce into one job.
      schedule: false,
    });
    if (options.perTenant)
      this.#tenantSlots = new TenantSlots(
        options.databaseUrl,
        Math.max(1, options.perTenant.limit),
        // One session per job this process may run at once.
        64,
      );
    this.#boss.on('error', (err) =>
      this.#emit({ type: 'record-failed', job: { id: '', kind: '', connectionId: '' }, error: jobErrorText(err) }),
    );
  }

  register<Payload>(kind: string, handler: JobHandler<Payload>, options: RegisterOptions = {}): void {
    if (this.#handlers.has(kind))
      throw new TenantlinkError('JOB_KIND_REGISTERED', `A handler for job kind '${kind}' is already registered.`);
    this.#handlers.set(kind, handler as JobHandler<unknown>);
    this.#kindOptions.set(kind, options);
  }

  wake(kind: string): void {
    for (const id of this.#workers.get(kind) ?? []) this.#boss.notifyWorker(id);
  }

  /**
   * Enqueues a job; with `db` (a Kysely transaction on the store), in that transaction, so a rollback leaves no job.
   * The runner must have been started (pg-boss creates its schema and queues then).
   */
  async enqueue(request: EnqueueRequest, options: { db?: Kysely<Database> } = {}): Promise<EnqueuedJob> {
    if (!this.#handlers.has(request.kind))
      throw new TenantlinkError('JOB_KIND_UNKNOWN', `No handler is registered for job kind '${request.kind}'.`);
    if (this.#state !== 'started')
      throw new TenantlinkError('JOB_RUNNER_STOPPED', 'The job runner is not running and takes no new jobs.');
    const send = (db: Kysely<Database>) => this.#send(db, request);
    const sent = options.db ? await send(options.db) : await this.#options.store.db.transaction().execute(send);
    // Committed: a worker of this process may take it now. (Inside the caller's transaction, the next poll will.)
    if (!options.db) this.wake(request.kind);
    this.#emit({
      type: 'queued',
      job: { id: sent.jobId, kind: request.kind, connectionId: request.connectionId },
      coalesced: sent.coalesced,
    });
    // Polled only once someone asks: schedules and API requests enqueue without waiting for the outcome.
    let done: Promise<JobOutcome> | undefined;
    const whenDone = () => {
      done ??= this.#whenDone(sent.jobId);
      return done;
    };
    return {
      ...sent,
      get done() {
        return whenDone();
      },
    };
  }

  async #send(db: Kysely<Database>, request: EnqueueRequest): Promise<{ jobId: string; coalesced: boolean }> {
    const key = request.key ?? request.connectionId;
    for (let tries = 0; tries < 3; tries++) {
      const jobId = randomUUID();
      const data: QueuedData = {
        jobId,
        connectionId: request.connectionId,
        ...(key !== request.connectionId ? { key } : {}),
        payload: request.payload ?? null,
        failed: 0,
      };
      const startAfter = new Date(Date.now() + Math.max(0, request.delayMs ?? 0));
      const id = await this.#sendJob(db, request.kind, data, startAfter, jobId);
      if (id) {
        await jobsRepository({ db, dialect: 'postgres' }).insertJob({
          id: jobId,
          connectionId: request.connectionId,
          kind: request.kind,
          key,
          payload: data.payload,
          scheduledAt: startAfter.toISOString(),
        });
        return { jobId, coalesced: false };
      }
      // One is already waiting for this key and kind: the request joins it (and brings it forward when asked to).
      const waiting = await db.executeQuery<{ job_id: string | null }>(
        CompiledQuery.raw(
          request.expedite
            ? `UPDATE "${this.#schema}".job SET start_after = LEAST(start_after, $3) WHERE name = $1 AND singleton_key = $2 AND state = 'created' RETURNING data->>'jobId' AS job_id`
            : `SELECT data->>'jobId' AS job_id FROM "${this.#schema}".job WHERE name = $1 AND singleton_key = $2 AND state = 'created' LIMIT 1`,
          request.expedite ? [request.kind, key, startAfter] : [request.kind, key],
        ),
      );
      const joined = waiting.rows[0]?.job_id;
      if (joined) {
        if (request.expedite)
          await jobsRepository({ db, dialect: 'postgres' }).reschedule(joined, startAfter.toISOString());
        return { jobId: joined, coalesced: true };
      }
      // The waiting one started in between: try again, as a follow-up.
    }
    throw new TenantlinkError('JOB_ENQUEUE_FAILED', `Could not enqueue a '${request.kind}' job; try again.`);
  }

  schedule(request: ScheduleRequest): ScheduledJob {
    return this.#schedules.add(request);
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new TenantlinkError('JOB_RUNNER_STARTED', 'The job runner was already started.');
    await this.#boss.start();
    for (const kind of this.#handlers.keys()) await this.#createQueue(kind);
    this.#state = 'started';
    if (this.#options.work !== false) {
      for (const kind of this.#handlers.keys()) {
        // pg-boss 10 runs one fetch loop per work() call; batchSize 1 avoids its unique-index errors on keyed queues.
        const ids: string[] = [];
        this.#workers.set(kind, ids);
        for (let i = 0; i < Math.max(1, this.#options.concurrency ?? 4); i++)
          ids.push(
            await this.#boss.work<QueuedData>(
              kind,
              {
                batchSize: 1,
                includeMetadata: true,
                pollingIntervalSeconds: this.#options.pollingIntervalSeconds ?? 2,
              },
              ([job]) => (job ? this.#run(kind, job) : Promise.resolve()),
            ),
          );
      }
    }
    this.#schedules.startAll();
  }

  async #createQueue(kind: string): Promise<void> {
    try {
      await this.#boss.createQueue(kind, { name: kind, policy: 'stately', retryLimit: EXPIRY_RETRIES, retryDelay: 0 });
    } catch (err) {
      // Several processes starting at once race to create a queue (pg-boss #467): whoever lost finds it there.
      if ((err as { code?: string }).code !== '23505') throw err;
    }
  }

  /**
   * Stops taking jobs and waits for the running ones (or, with `abortRunning`, signals them first). Waiting jobs stay
   * in the queue for any process.
   */
  async stop(options: { abortRunning?: boolean } = {}): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    this.#schedules.stopAll();
    if (options.abortRunning) for (const controller of this.#running.values()) controller.abort();
    await this.#boss.stop({ graceful: true, wait: true, close: true, timeout: 30_000 });
    await this.#tenantSlots?.close();
    this.#state = 'stopped';
  }

  /** Resolves when no job of this runner's kinds waits or runs anywhere (polls the queue). */
  async whenIdle(): Promise<void> {
    for (;;) {
      let pending = this.#running.size;
      for (const kind of this.#handlers.keys()) pending += await this.#boss.getQueueSize(kind, { before: 'completed' });
      if (pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async queueDepth(): Promise<Record<string, number>> {
    const depth: Record<string, number> = {};
    for (const kind of this.#handlers.keys()) depth[kind] = await this.#boss.getQueueSize(kind, { before: 'active' });
    return depth;
  }

  onEvent(listener: (event: JobEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One attempt of a job, as pg-boss hands it to this process. */
  async #run(kind: string, job: PgBoss.JobWithMetadata<QueuedData>): Promise<void> {
    const perTenant = this.#options.perTenant;
    if (!perTenant || !this.#tenantSlots || this.#kindOptions.get(kind)?.perTenant === false)
      return this.#attempt(kind, job);
    const tenant = await perTenant.tenantOf(job.data.connectionId).catch(() => job.data.connectionId);
    const release = await this.#tenantSlots.tryAcquire(tenant);
    if (!release) return this.#requeue(kind, job);
    try {
      await this.#attempt(kind, job);
    } finally {
      await release();
    }
  }

  /** The tenant is at its limit: the job waits its turn in the queue (not an attempt), a few seconds with jitter. */
  async #requeue(kind: string, job: PgBoss.JobWithMetadata<QueuedData>): Promise<void> {
    const random = this.#options.random ?? Math.random;
    const startAfter = new Date(Date.now() + 1_000 + Math.floor(random() * 2_000));
    // Attempts lost with a dead worker still count after the wait.
    const data: QueuedData = { ...job.data, failed: job.data.failed + job.retryCount };
    await this.#continueLater(kind, job, data, startAfter, { requeued: true }, async (trx, sent) => {
      // A follow-up already waiting takes its place.
      if (!sent) await jobsRepository({ db: trx, dialect: 'postgres' }).setStatus(job.data.jobId, 'cancelled');
    });
  }

  async #attempt(kind: string, job: PgBoss.JobWithMetadata<QueuedData>): Promise<void> {
    const data = job.data;
    const ref: JobRef = { id: data.jobId, kind, connectionId: data.connectionId };
    // Attempts lost to a crash count too (pg-boss retried the expired job).
    const attempt = data.failed + job.retryCount + 1;
    const handler = this.#handlers.get(kind)!;
    const controller = new AbortController();
    const runId = randomUUID();
    const startedAt = Date.now();
    this.#running.set(runId, controller);
    try {
      await this.#record(ref, () =>
        this.#jobs.recordStart({
          runId,
          jobId: ref.id,
          attempt,
          scheduledAt: new Date(job.startAfter).toISOString(),
          startedAt: new Date(startedAt).toISOString(),
        }),
      );
      this.#emit({ type: 'started', job: ref, attempt });
      const context: JobContext<unknown> = {
        ...ref,
        payload: data.payload,
        attempt,
        signal: controller.signal,
        enqueuedAt: new Date(job.createdOn).getTime(),
        progress: (progress: JobProgress) => this.#emit({ type: 'progress', job: ref, attempt, progress }),
      };
      try {
        await handler(context);
      } catch (err) {
        if (err instanceof JobDeferred) await this.#deferred(kind, job, ref, runId, err);
        else await this.#failed(kind, job, ref, runId, attempt, err);
        return;
      }
      const finishedAt = Date.now();
      await this.#record(ref, () =>
        this.#jobs.recordFinish({
          runId,
          jobId: ref.id,
          runStatus: 'succeeded',
          jobStatus: 'succeeded',
          error: null,
          finishedAt: new Date(finishedAt).toISOString(),
        }),
      );
      this.#emit({ type: 'succeeded', job: ref, attempt, durationMs: finishedAt - startedAt });
    } finally {
      this.#running.delete(runId);
    }
  }

  /** The handler could not run yet: the job goes back to the queue for the delay, this try not counted. */
  async #deferred(
    kind: string,
    job: PgBoss.JobWithMetadata<QueuedData>,
    ref: JobRef,
    runId: string,
    deferral: JobDeferred,
  ): Promise<void> {
    await this.#runAgainLater(kind, job, ref, runId, {
      runStatus: 'interrupted',
      error: deferral.message,
      delayMs: Math.max(0, deferral.delayMs),
      failedNow: 0,
      output: { deferred: true },
    });
  }

  /**
   * Ends this try and sends the job's next one after `delayMs`, recording the run's end (`runStatus`) and the job as
   * waiting to retry, in one transaction. `failedNow` counts this try as a failed attempt (1) or not (0).
   */
  async #runAgainLater(
    kind: string,
    job: PgBoss.JobWithMetadata<QueuedData>,
    ref: JobRef,
    runId: string,
    next: { runStatus: 'failed' | 'interrupted'; error: string; delayMs: number; failedNow: 0 | 1; output: object },
  ): Promise<void> {
    const finishedAt = new Date().toISOString();
    const startAfter = new Date(Date.now() + next.delayMs);
    const data: QueuedData = { ...job.data, failed: job.data.failed + job.retryCount + next.failedNow };
    await this.#continueLater(kind, job, data, startAfter, next.output, async (trx, sent) => {
      await jobsRepository({ db: trx, dialect: 'postgres' }).recordFinish({
        runId,
        jobId: ref.id,
        runStatus: next.runStatus,
        // A follow-up already waiting takes the retry's place: it runs the same job kind for the connection anyway.
        jobStatus: sent ? 'retrying' : 'cancelled',
        error: next.error,
        finishedAt,
        nextScheduledAt: startAfter.toISOString(),
      });
    });
  }

  async #failed(
    kind: string,
    job: PgBoss.JobWithMetadata<QueuedData>,
    ref: JobRef,
    runId: string,
    attempt: number,
    err: unknown,
  ): Promise<void> {
    const error = jobErrorText(err);
    const finishedAt = new Date().toISOString();
    const maxAttempts = Math.max(1, this.#options.maxAttempts ?? 5);
    const retry = attempt < maxAttempts && (this.#options.shouldRetry?.(err, ref) ?? true);
    if (!retry) {
      await this.#record(ref, () =>
        this.#jobs.recordFinish({ runId, jobId: ref.id, runStatus: 'failed', jobStatus: 'failed', error, finishedAt }),
      );
      this.#emit({ type: 'failed', job: ref, attempt, error });
      // Failed for good: pg-boss keeps it as failed. Its retries are for jobs lost with their worker, so they are
      // used up first (pg-boss's fail would otherwise retry).
      await this.#options.store.db.transaction().execute(async (trx) => {
        await trx.executeQuery(
          CompiledQuery.raw(`UPDATE "${this.#schema}".job SET retry_limit = retry_count WHERE name = $1 AND id = $2`, [
            kind,
            job.id,
          ]),
        );
        await this.#boss.fail(kind, job.id, { error }, { db: adapter(trx) });
      });
      return;
    }
    const delayMs = exponentialBackoffDelay(attempt, this.#options.backoff, this.#options.random);
    await this.#runAgainLater(kind, job, ref, runId, {
      runStatus: 'failed',
      error,
      delayMs,
      failedNow: 1,
      output: { retried: true },
    });
    this.#emit({ type: 'retrying', job: ref, attempt, error, delayMs });
  }

  /** Sends one pg-boss job of `kind` for the data's connection, in `db`; null when one already waits for it. */
  #sendJob(
    db: Kysely<Database>,
    kind: string,
    data: QueuedData,
    startAfter: Date,
    id?: string,
  ): Promise<string | null> {
    return this.#boss.send(kind, data as unknown as object, {
      ...(id ? { id } : {}),
      singletonKey: data.key ?? data.connectionId,
      startAfter,
      retryLimit: EXPIRY_RETRIES,
      retryDelay: 0,
      db: adapter(db),
    });
  }

  /**
   * Ends this pg-boss job and sends its continuation (the next attempt, or a wait for the tenant's turn), then
   * `record`s it, all in one transaction: a crash in between loses neither.
   */
  async #continueLater(
    kind: string,
    job: PgBoss.JobWithMetadata<QueuedData>,
    data: QueuedData,
    startAfter: Date,
    output: object,
    record: (trx: Kysely<Database>, sent: boolean) => Promise<void>,
  ): Promise<void> {
    await this.#options.store.db.transaction().execute(async (trx) => {
      const sent = await this.#sendJob(trx, kind, data, startAfter);
      await this.#boss.complete(kind, job.id, output, { db: adapter(trx) });
      await record(trx, sent !== null);
    });
  }

  /** Polls the job's record until it has ended: succeeded, failed, or cancelled (superseded). */
  async #whenDone(jobId: string): Promise<JobOutcome> {
    for (;;) {
      const record = await this.#jobs.getJob(jobId).catch(() => undefined);
      if (record && ['succeeded', 'failed', 'cancelled'].includes(record.status))
        return {
          status: record.status === 'succeeded' ? 'succeeded' : record.status === 'failed' ? 'failed' : 'stopped',
          attempts: record.attempts,
          ...(record.lastError && record.status !== 'succeeded' ? { error: record.lastError } : {}),
        };
      if (this.#state === 'stopped')
        return {
          status: 'stopped',
          attempts: record?.attempts ?? 0,
          ...(record?.lastError ? { error: record.lastError } : {}),
        };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async #record(job: JobRef, write: () => Promise<void>): Promise<void> {
    await write().catch((err: unknown) => this.#emit({ type: 'record-failed', job, error: jobErrorText(err) }));
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
}

/** pg-boss runs its SQL through this, so a send or complete joins a Kysely transaction. */
function adapter(db: Kysely<Database>): PgBoss.Db {
  return {
    executeSql: async (text, values) => {
      const result = await db.executeQuery(CompiledQuery.raw(text, values));
      return { rows: result.rows as unknown[] as never[] };
    },
  };
}
