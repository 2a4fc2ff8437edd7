import { TenantlinkError } from '../errors.js';
import type { StoreHandle } from '../store/schema.js';
import { InProcessJobRunner } from './in-process-runner.js';
import { PgBossJobRunner } from './pg-boss-runner.js';
import type { JobRef, JobRunner } from './runner.js';

/** Where jobs queue when the store is PostgreSQL: several tenantlink processes share the queue there. */
export interface SharedJobQueue {
  /** The store's PostgreSQL URL (pg-boss keeps its own pool on it). */
  databaseUrl: string;
  /** pg-boss's schema. Default `tenantlink_jobs`, or `<TENANTLINK_DATABASE_SCHEMA>_jobs`. */
  schema?: string;
  /** Take jobs in this process. False for an API-only server (`serve --no-jobs`). Default true. */
  work?: boolean;
  /** Jobs of each kind at once in this process. Default 4. */
  concurrency?: number;
  /** Seconds before a job whose worker died is taken over (`TENANTLINK_JOB_EXPIRE_SECONDS`, default 900). */
  expireInSeconds?: number;
  /** Seconds between an idle worker's looks at the queue (`TENANTLINK_JOB_POLL_SECONDS`, default 2). */
  pollingIntervalSeconds?: number;
  /** Seconds between looks for expired jobs (`TENANTLINK_JOB_MAINTENANCE_SECONDS`, default 60). */
  maintenanceIntervalSeconds?: number;
  /** Jobs of one tenant at once over all processes (`TENANTLINK_JOBS_PER_TENANT`, default 2). */
  perTenant?: number;
}

/** The shared queue as the environment describes it: none without TENANTLINK_DATABASE_URL. */
export function sharedJobQueueFromEnv(
  env: Record<string, string | undefined>,
  options: { work?: boolean; concurrency?: number } = {},
): SharedJobQueue | undefined {
  const databaseUrl = env.TENANTLINK_DATABASE_URL;
  if (!databaseUrl) return undefined;
  const seconds = (name: string, min: number, max: number): number | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `${name} must be a number of seconds from ${min} to ${max}, not '${value}'.`,
      );
    return n;
  };
  const expire = seconds('TENANTLINK_JOB_EXPIRE_SECONDS', 2, 86_400);
  const poll = seconds('TENANTLINK_JOB_POLL_SECONDS', 0.5, 600);
  const maintenance = seconds('TENANTLINK_JOB_MAINTENANCE_SECONDS', 1, 3_600);
  const perTenant = env.TENANTLINK_JOBS_PER_TENANT;
  if (perTenant !== undefined && perTenant !== '' && !/^([1-9]|[1-5][0-9]|6[0-4])$/.test(perTenant))
    throw new TenantlinkError('INVALID_INPUT', `TENANTLINK_JOBS_PER_TENANT must be 1 to 64, not '${perTenant}'.`);
  return {
    databaseUrl,
    schema: jobQueueSchema(env.TENANTLINK_DATABASE_SCHEMA),
    ...(options.work === false ? { work: false } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(expire !== undefined ? { expireInSeconds: expire } : {}),
    ...(poll !== undefined ? { pollingIntervalSeconds: poll } : {}),
    ...(maintenance !== undefined ? { maintenanceIntervalSeconds: maintenance } : {}),
    ...(perTenant ? { perTenant: Number(perTenant) } : {}),
  };
}

/**
 * The job runner for a process: on a shared queue (pg-boss) when one is given, else the embedded in-process runner
 * (SQLite, or a single PostgreSQL process that was not given the queue).
 */
export function chooseJobRunner(
  store: StoreHandle,
  queue: SharedJobQueue | undefined,
  shouldRetry: (error: unknown, job: JobRef) => boolean,
  /** A connection's tenant, for the per-tenant limit of the shared queue. */
  tenantOf?: (connectionId: string) => Promise<string>,
): JobRunner {
  if (!queue || store.dialect !== 'postgres') return new InProcessJobRunner({ store, shouldRetry });
  return new PgBossJobRunner({
    store,
    databaseUrl: queue.databaseUrl,
    ...(queue.schema ? { schema: queue.schema } : {}),
    ...(queue.work === false ? { work: false } : {}),
    ...(queue.concurrency ? { concurrency: queue.concurrency } : {}),
    ...(queue.expireInSeconds ? { expireInSeconds: queue.expireInSeconds } : {}),
    ...(queue.pollingIntervalSeconds ? { pollingIntervalSeconds: queue.pollingIntervalSeconds } : {}),
    ...(queue.maintenanceIntervalSeconds ? { maintenanceIntervalSeconds: queue.maintenanceIntervalSeconds } : {}),
    ...(tenantOf ? { perTenant: { limit: queue.perTenant ?? 2, tenantOf } } : {}),
    shouldRetry,
  });
}

/** pg-boss's schema beside tenantlink's own (`TENANTLINK_DATABASE_SCHEMA`). */
export function jobQueueSchema(storeSchema: string | undefined): string {
  return storeSchema ? `${storeSchema}_jobs` : 'tenantlink_jobs';
}
