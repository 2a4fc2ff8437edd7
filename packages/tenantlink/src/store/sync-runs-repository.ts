import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { isUniqueViolation } from './constraint-violations.js';
import {
  type IsoTimestamp,
  isoNow,
  type StoreHandle,
  type SyncRunStatus,
  type SyncRunsTable,
  type SyncRunTrigger,
} from './schema.js';

/** One run of a dataset's sync, as stored. */
export interface SyncRunRecord {
  id: string;
  connectionId: string;
  dataset: string;
  trigger: SyncRunTrigger;
  requestedFull: boolean;
  mode: 'full' | 'delta' | null;
  status: SyncRunStatus;
  pages: number;
  records: number;
  changes: number;
  total: number | null;
  error: { code: string; message: string } | null;
  holder: string | null;
  createdAt: IsoTimestamp;
  startedAt: IsoTimestamp | null;
  finishedAt: IsoTimestamp | null;
  updatedAt: IsoTimestamp;
}

export interface SyncRunsRepository {
  /**
   * A run waiting to start. When one is already waiting for this connection and dataset, that one is returned
   * (asking for a full read makes it full); the database allows only one.
   */
  queue(request: {
    connectionId: string;
    dataset: string;
    trigger: SyncRunTrigger;
    full: boolean;
  }): Promise<{ run: SyncRunRecord; joined: boolean }>;
  /** Marks the queued run `id` running, or records a new running run under that id. */
  start(request: {
    id: string;
    connectionId: string;
    dataset: string;
    trigger: SyncRunTrigger;
    full: boolean;
    holder: string;
  }): Promise<SyncRunRecord>;
  /** Adds a committed page's counts; call it in the page's transaction. */
  addProgress(runId: string, delta: { pages: number; records: number; changes: number }): Promise<void>;
  update(runId: string, changes: { mode?: 'full' | 'delta'; total?: number | null }): Promise<void>;
  finish(
    runId: string,
    status: Exclude<SyncRunStatus, 'queued' | 'running'>,
    error?: { code: string; message: string },
  ): Promise<void>;
  /** Runs left `running` by a process that died, marked interrupted (their lease was taken over). */
  interruptOthers(connectionId: string, dataset: string, exceptRunId: string): Promise<number>;
  get(runId: string): Promise<SyncRunRecord | undefined>;
  /** Newest first. */
  list(connectionId: string, dataset: string, limit?: number): Promise<SyncRunRecord[]>;
}

const MAX_ERROR = 2000;

function fromRow(row: Selectable<SyncRunsTable>): SyncRunRecord {
  return {
    id: row.id,
    connectionId: row.connection_id,
    dataset: row.dataset,
    trigger: row.trigger,
    requestedFull: row.requested_full === 1,
    mode: row.mode === 'full' || row.mode === 'delta' ? row.mode : null,
    status: row.status,
    pages: Number(row.pages),
    records: Number(row.records),
    changes: Number(row.changes),
    total: row.total === null ? null : Number(row.total),
    error: row.error === null ? null : (JSON.parse(row.error) as { code: string; message: string }),
    holder: row.holder,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
  };
}

const ONE_QUEUED = { sqliteColumn: 'sync_runs.connection_id', postgresConstraint: 'sync_runs_one_queued_idx' };

export function syncRunsRepository({ db }: StoreHandle): SyncRunsRepository {
  const get = async (runId: string) => {
    const row = await db.selectFrom('sync_runs').selectAll().where('id', '=', runId).executeTakeFirst();
    return row && fromRow(row);
  };
  const queued = (connectionId: string, dataset: string) =>
    db
      .selectFrom('sync_runs')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .where('dataset', '=', dataset)
      .where('status', '=', 'queued')
      .executeTakeFirst();

  return {
    async queue({ connectionId, dataset, trigger, full }) {
      for (let attempt = 0; ; attempt++) {
        const waiting = await queued(connectionId, dataset);
        if (waiting) {
          if (full && waiting.requested_full === 0)
            await db
              .updateTable('sync_runs')
              .set({ requested_full: 1, updated_at: isoNow() })
              .where('id', '=', waiting.id)
              .execute();
          return { run: fromRow({ ...waiting, requested_full: full ? 1 : waiting.requested_full }), joined: true };
        }
        const now = isoNow();
        const row: SyncRunsTable = {
          id: randomUUID(),
          connection_id: connectionId,
          dataset,
          trigger,
          requested_full: full ? 1 : 0,
          mode: null,
          status: 'queued',
          pages: 0,
          records: 0,
          changes: 0,
          total: null,
          error: null,
          holder: null,
          created_at: now,
          started_at: null,
          finished_at: null,
          updated_at: now,
        };
        try {
          await db.insertInto('sync_runs').values(row).execute();
          return { run: fromRow(row), joined: false };
        } catch (err) {
          // Another request queued one in between: join it.
          if (attempt > 2 || !isUniqueViolation(err, ONE_QUEUED)) throw err;
        }
      }
    },

    async start({ id, connectionId, dataset, trigger, full, holder }) {
      const now = isoNow();
      const updated = await db
        .updateTable('sync_runs')
        .set({ status: 'running', started_at: now, updated_at: now, holder, ...(full ? { requested_full: 1 } : {}) })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return (await get(id))!;
      const row: SyncRunsTable = {
        id,
        connection_id: connectionId,
        dataset,
        trigger,
        requested_full: full ? 1 : 0,
        mode: null,
        status: 'running',
        pages: 0,
        records: 0,
        changes: 0,
        total: null,
        error: null,
        holder,
        created_at: now,
        started_at: now,
        finished_at: null,
        updated_at: now,
      };
      await db.insertInto('sync_runs').values(row).execute();
      return fromRow(row);
    },

    async addProgress(runId, delta) {
      await db
        .updateTable('sync_runs')
        .set((eb) => ({
          pages: eb('pages', '+', delta.pages),
          records: eb('records', '+', delta.records),
          changes: eb('changes', '+', delta.changes),
          updated_at: isoNow(),
        }))
        .where('id', '=', runId)
        .execute();
    },

    async update(runId, changes) {
      await db
        .updateTable('sync_runs')
        .set({
          ...(changes.mode !== undefined ? { mode: changes.mode } : {}),
          ...(changes.total !== undefined ? { total: changes.total } : {}),
          updated_at: isoNow(),
        })
        .where('id', '=', runId)
        .execute();
    },

    async finish(runId, status, error) {
      const now = isoNow();
      const text = error ? JSON.stringify({ code: error.code, message: error.message.slice(0, MAX_ERROR) }) : null;
      await db
        .updateTable('sync_runs')
        .set({ status, error: text, finished_at: now, updated_at: now })
        .where('id', '=', runId)
        .execute();
    },

    async interruptOthers(connectionId, dataset, exceptRunId) {
      const now = isoNow();
      const result = await db
        .updateTable('sync_runs')
        .set({
          status: 'interrupted',
          error: JSON.stringify({ code: 'SYNC_INTERRUPTED', message: 'The process running this sync stopped.' }),
          finished_at: now,
          updated_at: now,
        })
        .where('connection_id', '=', connectionId)
        .where('dataset', '=', dataset)
        .where('status', '=', 'running')
        .where('id', '!=', exceptRunId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    get,

    async list(connectionId, dataset, limit = 20) {
      const rows = await db
        .selectFrom('sync_runs')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('dataset', '=', dataset)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
  };
}
