import type { ExpressionBuilder, Selectable } from 'kysely';
import {
  type Database,
  type IsoTimestamp,
  isoNow,
  type RecordDeleteReason,
  type StoreHandle,
  type SyncRecordsTable,
} from './schema.js';

/** What a sync writes about one record. */
export type RecordWrite =
  | {
      op: 'upsert';
      model: string;
      id: string;
      parentId?: string | null;
      refId?: string | null;
      data: Record<string, unknown>;
      /** Lay `data` over the stored data instead of replacing it (a delta item that carries only some properties). */
      merge?: boolean;
    }
  | {
      op: 'delete';
      model: string;
      id: string;
      parentId?: string | null;
      refId?: string | null;
      reason: RecordDeleteReason;
      /**
       * Data kept with the deleted record: a membership keeps its ids so the feed can say which membership ended, and
       * one kept out of scope by filters is stored even when it was never shown, so that it can come back.
       */
      keep?: Record<string, unknown>;
    };

/** A record as stored. */
export interface StoredRecord {
  model: string;
  id: string;
  parentId: string | null;
  refId: string | null;
  data: Record<string, unknown> | null;
  deleted: boolean;
  reason: RecordDeleteReason | null;
  seq: number;
  seenGeneration: number;
  updatedAt: IsoTimestamp;
}

/** One change-feed entry: a record in its latest state, at the sequence number of its last visible change. */
export interface FeedEntry {
  seq: number;
  model: string;
  id: string;
  action: 'upsert' | 'delete';
  data: Record<string, unknown> | null;
  /** For deletes: deleted (for good), softDeleted (restorable), outOfScope (filters), missing (a full read did not see it). */
  reason?: RecordDeleteReason;
}

export interface WriteOutcome {
  /** Feed entries written (records whose visible state changed). */
  changes: number;
  /** The sequence numbers they took, when there were any. */
  fromSeq?: number;
  toSeq?: number;
  /** Rows inserted or updated (including ones only marked as seen). */
  written: number;
}

export interface WriteOptions {
  /** The full-read generation to stamp on every record written. */
  generation: number;
  /** Stamp unchanged records too (a full read marks everything it saw). */
  touch: boolean;
}

export interface RecordsRepository {
  /**
   * Applies writes and gives each record whose feed view changed the connection's next sequence number. Call it inside
   * a transaction: the counter row it updates orders concurrent writers, so sequence numbers commit in order.
   */
  write(connectionId: string, writes: readonly RecordWrite[], options: WriteOptions): Promise<WriteOutcome>;
  /** Stored records of a model by id. */
  get(connectionId: string, model: string, ids: readonly string[]): Promise<Map<string, StoredRecord>>;
  /** Records of a model that point at these ids (`ref_id`), e.g. the memberships of some users. */
  byRef(
    connectionId: string,
    model: string,
    refIds: readonly string[],
    filter?: { deleted?: boolean; reason?: RecordDeleteReason },
  ): Promise<StoredRecord[]>;
  /** Records of a model under a parent (a group's memberships), in chunks so a large group is never held whole. */
  byParent(connectionId: string, model: string, parentId: string, chunkSize?: number): AsyncGenerator<StoredRecord[]>;
  /** Records a full read of this generation did not see and that the feed shows or may show again, in chunks. */
  unseen(
    connectionId: string,
    models: readonly string[],
    generation: number,
    chunkSize?: number,
  ): AsyncGenerator<StoredRecord[]>;
  /** The change feed: records whose last visible change is after `since`, oldest first. */
  feed(
    connectionId: string,
    options: { since?: number; limit?: number; models?: readonly string[] },
  ): Promise<{ entries: FeedEntry[]; nextSince: number }>;
  /** Records the feed shows as present, per model. */
  countPresent(connectionId: string): Promise<Record<string, number>>;
  /** The last sequence number given out (0 when none). */
  lastSeq(connectionId: string): Promise<number>;
  /** The highest sequence number of a deletion pruned from the feed (0 when none). */
  prunedThrough(connectionId: string): Promise<number>;
  /**
   * Drops deletions for good (`deleted`, `missing`) last changed before `before`, at or below `maxSeq`, and raises the
   * connection's `prunedThrough`. Records kept out of scope or soft-deleted stay: they may come back.
   */
  prune(connectionId: string, options: { before: IsoTimestamp; maxSeq: number }): Promise<PruneOutcome>;
}

export interface PruneOutcome {
  pruned: number;
  prunedThrough: number;
}

/** Deletions that cannot come back: what retention may drop from the feed. */
const PRUNABLE_REASONS: readonly RecordDeleteReason[] = ['deleted', 'missing'];

/** Rows per statement: far below both drivers' parameter limits, small enough to keep memory flat. */
const CHUNK = 400;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** JSON with sorted top-level keys, so the same data always compares equal as text whatever order it came in. */
export function canonicalJson(data: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(data).sort()) if (data[key] !== undefined) sorted[key] = data[key];
  return JSON.stringify(sorted);
}

function fromRow(row: Selectable<SyncRecordsTable>): StoredRecord {
  return {
    model: row.model,
    id: row.external_id,
    parentId: row.parent_id,
    refId: row.ref_id,
    data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
    deleted: row.deleted === 1,
    reason: row.reason,
    seq: row.seq,
    seenGeneration: row.seen_generation,
    updatedAt: row.updated_at,
  };
}

export function recordsRepository({ db }: StoreHandle): RecordsRepository {
  /** One of the connection's counters in `sync_sequences` (0 before its first write). */
  const sequenceValue = async (connectionId: string, column: 'last_seq' | 'pruned_through_seq') => {
    const row = await db
      .selectFrom('sync_sequences')
      .select(column)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    return row ? Number((row as Record<string, unknown>)[column]) : 0;
  };
  const recordsOf = (connectionId: string, model: string) =>
    db.selectFrom('sync_records').selectAll().where('connection_id', '=', connectionId).where('model', '=', model);

  /** Records of one model that `narrow` keeps, in `external_id` order, a chunk at a time (keyset paging). */
  async function* inChunks(
    connectionId: string,
    model: string,
    chunkSize: number,
    narrow: (query: ReturnType<typeof recordsOf>) => ReturnType<typeof recordsOf>,
  ): AsyncGenerator<StoredRecord[]> {
    let after = '';
    for (;;) {
      const rows = await narrow(recordsOf(connectionId, model))
        .where('external_id', '>', after)
        .orderBy('external_id')
        .limit(chunkSize)
        .execute();
      if (rows.length === 0) return;
      yield rows.map(fromRow);
      after = rows.at(-1)!.external_id;
      if (rows.length < chunkSize) return;
    }
  }

  const existingRows = async (connectionId: string, model: string, ids: readonly string[]) => {
    const found = new Map<string, Selectable<SyncRecordsTable>>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = await recordsOf(connectionId, model).where('external_id', 'in', part).execute();
      for (const row of rows) found.set(row.external_id, row);
    }
    return found;
  };

  /** Takes `count` sequence numbers; returns the first. */
  const reserve = async (connectionId: string, count: number): Promise<number> => {
    const bump = () =>
      db
        .updateTable('sync_sequences')
        .set((eb) => ({ last_seq: eb('last_seq', '+', count) }))
        .where('connection_id', '=', connectionId)
        .returning('last_seq')
        .executeTakeFirst();
    let row = await bump();
    if (!row) {
      await db
        .insertInto('sync_sequences')
        .values({ connection_id: connectionId, last_seq: 0 })
        .onConflict((oc) => oc.column('connection_id').doNothing())
        .execute();
      row = await bump();
    }
    return Number(row!.last_seq) - count + 1;
  };

  return {
    async write(connectionId, writes, { generation, touch }) {
      // One write per record: the last one given wins.
      const byKey = new Map<string, RecordWrite>();
      for (const w of writes) {
        const key = `${w.model}\u0000${w.id}`;
        byKey.delete(key);
        byKey.set(key, w);
      }
      const byModel = new Map<string, RecordWrite[]>();
      for (const w of byKey.values()) {
        const list = byModel.get(w.model) ?? [];
        list.push(w);
        byModel.set(w.model, list);
      }
      const now = isoNow();
      const rows: { row: SyncRecordsTable; bump: boolean }[] = [];
      for (const [model, list] of byModel) {
        const existing = await existingRows(
          connectionId,
          model,
          list.map((w) => w.id),
        );
        for (const w of list) {
          const before = existing.get(w.id);
          let data: string | null;
          let deleted: number;
          let reason: RecordDeleteReason | null;
          let bump: boolean;
          if (w.op === 'upsert') {
            const merged =
              w.merge && before?.data && before.deleted === 0
                ? { ...(JSON.parse(before.data) as Record<string, unknown>), ...w.data }
                : w.data;
            data = canonicalJson(merged);
            deleted = 0;
            reason = null;
            bump = !before || before.deleted === 1 || before.data !== data;
          } else {
            // Only a record kept out of scope is worth a row the feed never showed: it may come back.
            if (!before && !(w.keep && w.reason === 'outOfScope')) continue;
            data = w.keep ? canonicalJson(w.keep) : null;
            deleted = 1;
            reason = w.reason;
            bump = before?.deleted === 0;
          }
          const parentId = w.parentId ?? before?.parent_id ?? null;
          const refId = w.refId ?? before?.ref_id ?? null;
          const same =
            before !== undefined &&
            !bump &&
            before.data === data &&
            before.deleted === deleted &&
            before.reason === reason &&
            before.parent_id === parentId &&
            before.ref_id === refId;
          if (same && (!touch || before.seen_generation === generation)) continue;
          rows.push({
            bump,
            row: {
              connection_id: connectionId,
              model,
              external_id: w.id,
              parent_id: parentId,
              ref_id: refId,
              data,
              deleted,
              reason,
              seq: before?.seq ?? 0,
              seen_generation: touch || !before ? generation : before.seen_generation,
              updated_at: bump || !before ? now : before.updated_at,
            },
          });
        }
      }
      const changes = rows.filter((r) => r.bump).length;
      let fromSeq: number | undefined;
      if (changes > 0) {
        fromSeq = await reserve(connectionId, changes);
        let next = fromSeq;
        for (const r of rows) if (r.bump) r.row.seq = next++;
      }
      for (const part of chunks(rows.map((r) => r.row))) {
        await db
          .insertInto('sync_records')
          .values(part)
          .onConflict((oc) =>
            oc.columns(['connection_id', 'model', 'external_id']).doUpdateSet((eb) => ({
              parent_id: eb.ref('excluded.parent_id'),
              ref_id: eb.ref('excluded.ref_id'),
              data: eb.ref('excluded.data'),
              deleted: eb.ref('excluded.deleted'),
              reason: eb.ref('excluded.reason'),
              seq: eb.ref('excluded.seq'),
              seen_generation: eb.ref('excluded.seen_generation'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      return {
        changes,
        written: rows.length,
        ...(fromSeq !== undefined ? { fromSeq, toSeq: fromSeq + changes - 1 } : {}),
      };
    },

    async get(connectionId, model, ids) {
      const rows = await existingRows(connectionId, model, ids);
      return new Map([...rows].map(([id, row]) => [id, fromRow(row)]));
    },

    async byRef(connectionId, model, refIds, filter = {}) {
      const out: StoredRecord[] = [];
      for (const part of chunks([...new Set(refIds)])) {
        let query = recordsOf(connectionId, model).where('ref_id', 'in', part);
        if (filter.deleted !== undefined) query = query.where('deleted', '=', filter.deleted ? 1 : 0);
        if (filter.reason !== undefined) query = query.where('reason', '=', filter.reason);
        for (const row of await query.execute()) out.push(fromRow(row));
      }
      return out;
    },

    byParent(connectionId, model, parentId, chunkSize = CHUNK) {
      return inChunks(connectionId, model, chunkSize, (q) => q.where('parent_id', '=', parentId));
    },

    async *unseen(connectionId, models, generation, chunkSize = CHUNK) {
      for (const model of models)
        yield* inChunks(connectionId, model, chunkSize, (q) =>
          q
            .where('seen_generation', '<', generation)
            .where((eb) => eb.or([eb('deleted', '=', 0), eb('reason', '=', 'outOfScope')])),
        );
    },

    async feed(connectionId, { since = 0, limit = 500, models }) {
      let query = db
        .selectFrom('sync_records')
        .select(['seq', 'model', 'external_id', 'deleted', 'reason', 'data'])
        .where('connection_id', '=', connectionId)
        .where('seq', '>', since);
      if (models?.length === 1) query = query.where('model', '=', models[0]!);
      else if (models?.length) query = query.where('model', 'in', [...models]);
      const rows = await query.orderBy('seq').limit(limit).execute();
      const entries = rows.map(
        (row): FeedEntry => ({
          seq: Number(row.seq),
          model: row.model,
          id: row.external_id,
          action: row.deleted === 1 ? 'delete' : 'upsert',
          data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>),
          ...(row.deleted === 1 && row.reason ? { reason: row.reason } : {}),
        }),
      );
      return { entries, nextSince: entries.at(-1)?.seq ?? since };
    },

    async countPresent(connectionId) {
      const rows = await db
        .selectFrom('sync_records')
        .select(['model', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('connection_id', '=', connectionId)
        .where('deleted', '=', 0)
        .groupBy('model')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.model, Number(r.n)]));
    },

    prunedThrough: (connectionId) => sequenceValue(connectionId, 'pruned_through_seq'),

    async prune(connectionId, { before, maxSeq }) {
      const prunable = (upTo: number) => (eb: ExpressionBuilder<Database, 'sync_records'>) =>
        eb.and([
          eb('connection_id', '=', connectionId),
          eb('deleted', '=', 1),
          eb('reason', 'in', [...PRUNABLE_REASONS]),
          eb('updated_at', '<', before),
          eb('seq', '<=', upTo),
        ]);
      const top = await db
        .selectFrom('sync_records')
        .where(prunable(maxSeq))
        .select((eb) => eb.fn.max<number | string | null>('seq').as('seq'))
        .executeTakeFirst();
      const through = top?.seq === null || top?.seq === undefined ? 0 : Number(top.seq);
      if (through === 0) return { pruned: 0, prunedThrough: await sequenceValue(connectionId, 'pruned_through_seq') };
      // Bounded by the seq just read: a row changed meanwhile took a higher seq and stays.
      const result = await db.deleteFrom('sync_records').where(prunable(through)).executeTakeFirst();
      await db
        .updateTable('sync_sequences')
        .set({ pruned_through_seq: through })
        .where('connection_id', '=', connectionId)
        .where('pruned_through_seq', '<', through)
        .execute();
      return {
        pruned: Number(result.numDeletedRows),
        prunedThrough: await sequenceValue(connectionId, 'pruned_through_seq'),
      };
    },

    lastSeq: (connectionId) => sequenceValue(connectionId, 'last_seq'),
  };
}
