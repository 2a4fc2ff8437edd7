import type { Selectable } from 'kysely';
import {
  type IsoTimestamp,
  inTransaction,
  type JobRunStatus,
  type JobRunsTable,
  type JobStatus,
  type JobsTable,
  type StoreHandle,
} from './schema.js';

/** A job's latest state, as the `jobs` table holds it. */
export interface JobRecord {
  id: string;
  connectionId: string;
  kind: string;
  /** What one job at a time is about, when it is not the connection. */
  key: string | null;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  scheduledAt: IsoTimestamp;
  startedAt: IsoTimestamp | null;
  finishedAt: IsoTimestamp | null;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

/** One attempt of a job, as the `job_runs` table holds it. */
export interface JobRunRecord {
  id: string;
  jobId: string;
  connectionId: string;
  kind: string;
  attempt: number;
  status: JobRunStatus;
  error: string | null;
  scheduledAt: IsoTimestamp;
  startedAt: IsoTimestamp;
  finishedAt: IsoTimestamp | null;
}

export interface JobsRepository {
  insertJob(job: {
    id: string;
    connectionId: string;
    kind: string;
    key?: string;
    payload: unknown;
    scheduledAt: IsoTimestamp;
  }): Promise<void>;
  updatePayload(jobId: string, payload: unknown): Promise<void>;
  /** A waiting job's new start time. */
  reschedule(jobId: string, scheduledAt: IsoTimestamp): Promise<void>;
  /** Marks the job running and opens its run row, in one transaction. */
  recordStart(run: {
    runId: string;
    jobId: string;
    attempt: number;
    scheduledAt: IsoTimestamp;
    startedAt: IsoTimestamp;
  }): Promise<void>;
  /** Closes the run row and sets the job's status (and its next `scheduledAt` when it will be retried). */
  recordFinish(finish: {
    runId: string;
    jobId: string;
    runStatus: Exclude<JobRunStatus, 'running'>;
    jobStatus: JobStatus;
    error: string | null;
    finishedAt: IsoTimestamp;
    nextScheduledAt?: IsoTimestamp;
  }): Promise<void>;
  setStatus(jobId: string, status: JobStatus): Promise<void>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  /** Newest first. */
  listJobs(filter?: {
    connectionId?: string;
    kind?: string;
    status?: JobStatus[];
    limit?: number;
  }): Promise<JobRecord[]>;
  /** Oldest first. */
  listRuns(filter?: { jobId?: string; connectionId?: string; kind?: string; limit?: number }): Promise<JobRunRecord[]>;
  /** Jobs a previous process left queued, running or waiting to retry; their open runs are closed as interrupted. */
  takeOverUnfinished(now: IsoTimestamp): Promise<JobRecord[]>;
  /**
   * Deletes jobs that ended (with their runs): succeeded or cancelled ones last updated before `finishedBefore`,
   * failed ones before `failedBefore`. Returns how many jobs went.
   */
  prune(options: { finishedBefore: IsoTimestamp; failedBefore: IsoTimestamp }): Promise<number>;
}

export function jobsRepository({ db }: StoreHandle): JobsRepository {
  return {
    async insertJob(job) {
      await db
        .insertInto('jobs')
        .values({
          id: job.id,
          connection_id: job.connectionId,
          kind: job.kind,
          job_key: job.key !== undefined && job.key !== job.connectionId ? job.key : null,
          payload: JSON.stringify(job.payload ?? null),
          status: 'queued',
          attempts: 0,
          last_error: null,
          scheduled_at: job.scheduledAt,
          started_at: null,
          finished_at: null,
          created_at: job.scheduledAt,
          updated_at: job.scheduledAt,
        })
        .execute();
    },

    async updatePayload(jobId, payload) {
      await db
        .updateTable('jobs')
        .set({ payload: JSON.stringify(payload ?? null), updated_at: new Date().toISOString() })
        .where('id', '=', jobId)
        .execute();
    },

    async reschedule(jobId, scheduledAt) {
      await db
        .updateTable('jobs')
        .set({ scheduled_at: scheduledAt, updated_at: new Date().toISOString() })
        .where('id', '=', jobId)
        .execute();
    },

    async recordStart(run) {
      await inTransaction(db, async (trx) => {
        const job = await trx
          .updateTable('jobs')
          .set({ status: 'running', attempts: run.attempt, started_at: run.startedAt, updated_at: run.startedAt })
          .where('id', '=', run.jobId)
          .returning(['connection_id', 'kind'])
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('job_runs')
          .values({
            id: run.runId,
            job_id: run.jobId,
            connection_id: job.connection_id,
            kind: job.kind,
            attempt: run.attempt,
            status: 'running',
            error: null,
            scheduled_at: run.scheduledAt,
            started_at: run.startedAt,
            finished_at: null,
          })
          .execute();
      });
    },

    async recordFinish(finish) {
      await inTransaction(db, async (trx) => {
        await trx
          .updateTable('job_runs')
          .set({ status: finish.runStatus, error: finish.error, finished_at: finish.finishedAt })
          .where('id', '=', finish.runId)
          .execute();
        const done = finish.jobStatus === 'succeeded' || finish.jobStatus === 'failed';
        await trx
          .updateTable('jobs')
          .set({
            status: finish.jobStatus,
            last_error: finish.error,
            updated_at: finish.finishedAt,
            ...(done ? { finished_at: finish.finishedAt } : {}),
            ...(finish.nextScheduledAt ? { scheduled_at: finish.nextScheduledAt } : {}),
          })
          .where('id', '=', finish.jobId)
          .execute();
      });
    },

    async setStatus(jobId, status) {
      await db
        .updateTable('jobs')
        .set({ status, updated_at: new Date().toISOString() })
        .where('id', '=', jobId)
        .execute();
    },

    async getJob(jobId) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
      return row && jobFromRow(row);
    },

    async listJobs(filter = {}) {
      let query = db.selectFrom('jobs').selectAll();
      if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      if (filter.status?.length) query = query.where('status', 'in', filter.status);
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(filter.limit ?? 100)
        .execute();
      return rows.map(jobFromRow);
    },

    async listRuns(filter = {}) {
      let query = db.selectFrom('job_runs').selectAll();
      if (filter.jobId !== undefined) query = query.where('job_id', '=', filter.jobId);
      if (filter.connectionId !== undefined) query = query.where('connection_id', '=', filter.connectionId);
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      const rows = await query
        .orderBy('started_at')
        .orderBy('attempt')
        .limit(filter.limit ?? 1000)
        .execute();
      return rows.map(runFromRow);
    },

    async prune({ finishedBefore, failedBefore }) {
      return inTransaction(db, async (trx) => {
        const gone = trx
          .selectFrom('jobs')
          .select('id')
          .where((eb) =>
            eb.or([
              eb.and([eb('status', 'in', ['succeeded', 'cancelled']), eb('updated_at', '<', finishedBefore)]),
              eb.and([eb('status', '=', 'failed'), eb('updated_at', '<', failedBefore)]),
            ]),
          );
        await trx.deleteFrom('job_runs').where('job_id', 'in', gone).execute();
        const result = await trx
          .deleteFrom('jobs')
          .where((eb) =>
            eb.or([
              eb.and([eb('status', 'in', ['succeeded', 'cancelled']), eb('updated_at', '<', finishedBefore)]),
              eb.and([eb('status', '=', 'failed'), eb('updated_at', '<', failedBefore)]),
            ]),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },

    async takeOverUnfinished(now) {
      return db.transaction().execute(async (trx) => {
        await trx
          .updateTable('job_runs')
          .set({ status: 'interrupted', error: 'The process stopped while the job ran.', finished_at: now })
          .where('status', '=', 'running')
          .execute();
        const rows = await trx
          .selectFrom('jobs')
          .selectAll()
          .where('status', 'in', ['queued', 'running', 'retrying'])
          .orderBy('scheduled_at')
          .execute();
        return rows.map(jobFromRow);
      });
    },
  };
}

function jobFromRow(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    connectionId: row.connection_id,
    kind: row.kind,
    key: row.job_key,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function runFromRow(row: Selectable<JobRunsTable>): JobRunRecord {
  return {
    id: row.id,
    jobId: row.job_id,
    connectionId: row.connection_id,
    kind: row.kind,
    attempt: row.attempt,
    status: row.status,
    error: row.error,
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
