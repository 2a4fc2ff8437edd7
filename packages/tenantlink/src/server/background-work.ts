import type { Registry } from 'prom-client';
import type { ConnectionService } from '../connections/service.js';
import { allDatasets } from '../features/index.js';
import { chooseJobRunner, type SharedJobQueue } from '../jobs/choose-runner.js';
import { observeJobs } from '../jobs/job-metrics.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../logging/index.js';
import { SUBSCRIPTIONS_JOB, SubscriptionManager } from '../notifications/subscription-manager.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';
import type { Store } from '../store/database.js';
import { jobsRepository } from '../store/jobs-repository.js';
import { isFinalSyncError, SyncService } from '../sync/service.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../webhooks/dispatcher.js';
import type { WebhookEventSignal } from '../webhooks/events.js';
import { DOCTOR_JOB, registerDoctorJobs } from './doctor-jobs.js';

/** How long jobs that ended stay in the `jobs` table: succeeded and superseded ones a week, dead ones 30 days. */
const FINISHED_JOBS_KEPT_MS = 7 * 86_400_000;
const FAILED_JOBS_KEPT_MS = 30 * 86_400_000;

export interface BackgroundWorkOptions {
  store: Store;
  service: ConnectionService;
  logger?: Logger | undefined;
  /** The queue several processes share (PostgreSQL); without it, jobs run in this process. */
  jobs?: SharedJobQueue | undefined;
  /** Where the runner's metrics go. */
  metricsRegistry?: Registry | undefined;
  /** Days the change feed keeps deletions (default 30; 0: for ever); lifecycle events are kept as long. */
  feedRetentionDays?: number | undefined;
  /** Dispatcher tuning (retries, timeouts, batch size, sweep interval). */
  webhooks?: Omit<WebhookDispatcherOptions, 'store' | 'vault' | 'logger' | 'outbound' | 'runner'> | undefined;
  /** Where webhook URLs may point. */
  outbound: OutboundPolicy;
  /** Publishers of lifecycle events (the connect flows) tell the dispatcher through it. */
  events?: WebhookEventSignal | undefined;
  /** A server's public URL, where Graph posts change notifications; a worker reads the one a server recorded. */
  publicUrl?: (() => string | undefined) | undefined;
}

/**
 * What a tenantlink process runs in the background, on one job runner: syncs, webhook deliveries, doctor runs and the
 * upkeep of change-notification subscriptions.
 * `serve` and `worker` both make one; on PostgreSQL with the shared queue, any of them may take any job.
 */
export interface BackgroundWork {
  runner: JobRunner;
  sync: SyncService;
  webhooks: WebhookDispatcher;
  subscriptions: SubscriptionManager;
  /** Starts the runner, then the dispatcher's look for deliveries behind. */
  start(): Promise<void>;
  /**
   * Stops taking jobs and waits for the running ones; with `abortRunning` (the default) syncs are asked to stop at
   * their next page, and resume from it later.
   */
  stop(options?: { abortRunning?: boolean }): Promise<void>;
}

export function backgroundWork(options: BackgroundWorkOptions): BackgroundWork {
  const { store, service, logger } = options;
  const runner = chooseJobRunner(
    store,
    options.jobs,
    // A sync's final errors are not worth a retry; other kinds retry what they throw (a database hiccup).
    // A doctor run is asked for by someone waiting for it: one attempt.
    (err, job) => job.kind !== DOCTOR_JOB && (!job.kind.startsWith('sync.') || !isFinalSyncError(err)),
    async (id) => (await service.show(id)).tenant,
  );
  if (options.metricsRegistry) observeJobs(runner, options.metricsRegistry);
  const sync = new SyncService({
    store,
    connections: service,
    datasets: allDatasets(),
    ...(logger ? { logger } : {}),
    ...(options.feedRetentionDays !== undefined ? { feedRetentionDays: options.feedRetentionDays } : {}),
  });
  sync.attach(runner);
  const webhooks = new WebhookDispatcher({
    store,
    vault: service.vault,
    logger,
    eventRetentionDays: options.feedRetentionDays,
    ...options.webhooks,
    outbound: options.outbound,
    runner,
  });
  // A page's deliveries are enqueued in the page's transaction on the shared queue, else once it committed.
  if (webhooks.transactional) sync.onCommitting((db, event) => webhooks.committing(db.db, event));
  sync.onCommitted((event) => webhooks.committed(event));
  const stopListening = [
    options.events?.listenInTransaction(async (db) => {
      if (webhooks.transactional) await webhooks.publishing(db);
    }),
    options.events?.listen(() => webhooks.eventsPublished()),
  ];
  registerDoctorJobs(runner, service, store);
  const subscriptions = new SubscriptionManager({
    store,
    connections: service,
    logger,
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
  });
  runner.register(SUBSCRIPTIONS_JOB, (job) => subscriptions.maintain(job.connectionId));
  let started = false;
  // Jobs that ended are kept a while to be seen (GET /api/v1/jobs), dead ones longer; any process may prune.
  const prune = () =>
    jobsRepository(store)
      .prune({
        finishedBefore: new Date(Date.now() - FINISHED_JOBS_KEPT_MS).toISOString(),
        failedBefore: new Date(Date.now() - FAILED_JOBS_KEPT_MS).toISOString(),
      })
      .catch((err: unknown) => logger?.warn({ err: { message: (err as Error).message } }, 'jobs: pruning failed'));
  let pruning: NodeJS.Timeout | undefined;
  return {
    runner,
    sync,
    webhooks,
    subscriptions,
    async start() {
      await runner.start();
      started = true;
      await webhooks.start();
      void prune();
      pruning = setInterval(() => void prune(), 3_600_000);
      pruning.unref();
    },
    async stop({ abortRunning = true } = {}) {
      if (pruning) clearInterval(pruning);
      for (const stop of stopListening) stop?.();
      // Deliveries in flight end after their attempt; what waits stays queued (or is found again at the next start).
      if (started) await runner.stop({ abortRunning });
      await webhooks.stop();
    },
  };
}
