import { type IsoTimestamp, isoNow, type StoreHandle } from './schema.js';

/** Who may write a connection's dataset: one run at a time, across processes. */
export interface SyncLease {
  runId: string;
  /** `host:pid`. */
  holder: string;
  expiresAt: IsoTimestamp;
}

export interface SyncCursor {
  connectionId: string;
  dataset: string;
  /** The dataset's own state (JSON), or null before the first run. */
  state: unknown;
  generation: number;
  lease: SyncLease | null;
  updatedAt: IsoTimestamp;
}

export interface SyncCursorsRepository {
  get(connectionId: string, dataset: string): Promise<SyncCursor | undefined>;
  /**
   * Takes the lease when it is free or expired, or when it is still held by `replacing` (a holder known to be dead).
   * Returns whether it was taken; the compare-and-swap makes two processes racing for it agree on one winner.
   */
  acquire(
    connectionId: string,
    dataset: string,
    lease: SyncLease,
    options?: { now?: IsoTimestamp; replacing?: string },
  ): Promise<boolean>;
  /** Extends the lease; false when it is no longer ours (taken over after it expired). */
  renew(connectionId: string, dataset: string, runId: string, expiresAt: IsoTimestamp): Promise<boolean>;
  release(connectionId: string, dataset: string, runId: string): Promise<void>;
  /**
   * Saves the state, but only while `runId` holds the lease: a run that lost it (a zombie) cannot overwrite newer
   * state. Run it first in a page's transaction: as a write it also takes SQLite's write lock up front.
   */
  save(connectionId: string, dataset: string, runId: string, state: unknown, generation: number): Promise<boolean>;
}

export function syncCursorsRepository({ db }: StoreHandle): SyncCursorsRepository {
  return {
    async get(connectionId, dataset) {
      const row = await db
        .selectFrom('sync_cursors')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('dataset', '=', dataset)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        connectionId: row.connection_id,
        dataset: row.dataset,
        state: row.state === null ? null : (JSON.parse(row.state) as unknown),
        generation: Number(row.generation),
        lease:
          row.lease_run_id && row.lease_holder && row.lease_expires_at
            ? { runId: row.lease_run_id, holder: row.lease_holder, expiresAt: row.lease_expires_at }
            : null,
        updatedAt: row.updated_at,
      };
    },

    async acquire(connectionId, dataset, lease, options = {}) {
      const now = options.now ?? isoNow();
      await db
        .insertInto('sync_cursors')
        .values({ connection_id: connectionId, dataset, state: null, generation: 0, updated_at: now })
        .onConflict((oc) => oc.columns(['connection_id', 'dataset']).doNothing())
        .execute();
      const result = await db
        .updateTable('sync_cursors')
        .set({ lease_run_id: lease.runId, lease_holder: lease.holder, lease_expires_at: lease.expiresAt })
        .where('connection_id', '=', connectionId)
        .where('dataset', '=', dataset)
        .where((eb) =>
          eb.or([
            eb('lease_run_id', 'is', null),
            eb('lease_expires_at', '<', now),
            ...(options.replacing ? [eb('lease_run_id', '=', options.replacing)] : []),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async renew(connectionId, dataset, runId, expiresAt) {
      const result = await db
        .updateTable('sync_cursors')
        .set({ lease_expires_at: expiresAt })
        .where('connection_id', '=', connectionId)
        .where('dataset', '=', dataset)
        .where('lease_run_id', '=', runId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async release(connectionId, dataset, runId) {
      await db
        .updateTable('sync_cursors')
        .set({ lease_run_id: null, lease_holder: null, lease_expires_at: null })
        .where('connection_id', '=', connectionId)
        .where('dataset', '=', dataset)
        .where('lease_run_id', '=', runId)
        .execute();
    },

    async save(connectionId, dataset, runId, state, generation) {
      const result = await db
        .updateTable('sync_cursors')
        .set({ state: JSON.stringify(state), generation, updated_at: isoNow() })
        .where('connection_id', '=', connectionId)
        .where('dataset', '=', dataset)
        .where('lease_run_id', '=', runId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
