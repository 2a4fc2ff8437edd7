import { sql } from 'kysely';
import type { IsoTimestamp, StoreHandle } from './schema.js';

export interface SlotClaim {
  key: string;
  /** Slots wanted together. */
  weight: number;
  /** The resource has slots 0 … limit − 1. */
  limit: number;
  token: string;
  holder: string;
  expiresAt: IsoTimestamp;
  now: IsoTimestamp;
}

/** Slots in flight and fences of Graph resources, shared by every process on the database. */
export interface GraphBudgetsRepository {
  /**
   * Takes `weight` free slots of the resource under `token`, all or none; a slot whose lease ran out counts as free.
   * Two processes racing for one slot agree through the primary key: the loser's insert changes nothing. Also says
   * until when the resource is fenced, read in the same statement as the slots.
   */
  take(claim: SlotClaim): Promise<{ taken: boolean; fencedUntil: IsoTimestamp | undefined }>;
  /** Gives back the slots taken under `token`. */
  release(token: string): Promise<void>;
  /** Extends the leases of the slots taken under these tokens. */
  renew(tokens: readonly string[], expiresAt: IsoTimestamp): Promise<void>;
  /** Slots held now (unexpired), for diagnostics and tests. */
  held(key: string, now: IsoTimestamp): Promise<number>;
  /** Fences the resource until `until` (only ever later), and forgets fences that are over. */
  fence(key: string, until: IsoTimestamp, now: IsoTimestamp): Promise<void>;
  fencedUntil(key: string): Promise<IsoTimestamp | undefined>;
}

export function graphBudgetsRepository({ db }: StoreHandle): GraphBudgetsRepository {
  const release = async (token: string): Promise<void> => {
    await db.deleteFrom('graph_budget_slots').where('token', '=', token).execute();
  };
  return {
    async take({ key, weight, limit, token, holder, expiresAt, now }) {
      const rows = await db
        .selectFrom('graph_budget_slots')
        .select([sql<number | null>`${sql.ref('slot')}`.as('slot'), sql<IsoTimestamp | null>`null`.as('until')])
        .where('resource_key', '=', key)
        .where('expires_at', '>=', now)
        .unionAll(
          db
            .selectFrom('graph_budget_fences')
            .select([sql<number | null>`null`.as('slot'), sql<IsoTimestamp | null>`${sql.ref('until')}`.as('until')])
            .where('resource_key', '=', key),
        )
        .execute();
      const fencedUntil = rows.find((row) => row.until !== null)?.until ?? undefined;
      const taken = new Set(rows.flatMap((row) => (row.slot === null ? [] : [Number(row.slot)])));
      const free: number[] = [];
      for (let slot = 0; slot < limit && free.length < weight; slot++) if (!taken.has(slot)) free.push(slot);
      if (free.length < weight) return { taken: false, fencedUntil };
      const inserted = await db
        .insertInto('graph_budget_slots')
        .values(free.map((slot) => ({ resource_key: key, slot, token, holder, expires_at: expiresAt })))
        .onConflict((oc) =>
          oc
            .columns(['resource_key', 'slot'])
            .doUpdateSet((eb) => ({
              token: eb.ref('excluded.token'),
              holder: eb.ref('excluded.holder'),
              expires_at: eb.ref('excluded.expires_at'),
            }))
            .where('graph_budget_slots.expires_at', '<', now),
        )
        .returning('slot')
        .execute();
      if (inserted.length === weight) return { taken: true, fencedUntil };
      // Another process took one of them since the read: give back the rest and try again later.
      if (inserted.length > 0) await release(token);
      return { taken: false, fencedUntil };
    },

    release,

    async renew(tokens, expiresAt) {
      if (tokens.length === 0) return;
      await db.updateTable('graph_budget_slots').set({ expires_at: expiresAt }).where('token', 'in', tokens).execute();
    },

    async held(key, now) {
      const row = await db
        .selectFrom('graph_budget_slots')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('resource_key', '=', key)
        .where('expires_at', '>=', now)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async fence(key, until, now) {
      await db
        .insertInto('graph_budget_fences')
        .values({ resource_key: key, until })
        .onConflict((oc) =>
          oc.column('resource_key').doUpdateSet({ until }).where('graph_budget_fences.until', '<', until),
        )
        .execute();
      await db.deleteFrom('graph_budget_fences').where('until', '<', now).execute();
    },

    async fencedUntil(key) {
      const row = await db
        .selectFrom('graph_budget_fences')
        .select('until')
        .where('resource_key', '=', key)
        .executeTakeFirst();
      return row?.until;
    },
  };
}
