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

export interface UnitSpend {
  key: string;
  /** Units to take; at most `capacity`. */
  units: number;
  /** The most the bucket holds, and what a new bucket starts with. */
  capacity: number;
  /** Units the bucket gains per millisecond. */
  perMs: number;
  /** Epoch ms. */
  now: number;
}

/** Slots in flight, fences and unit buckets of Graph resources, shared by every process on the database. */
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
  /**
   * Refills the bucket for the time since its last refill and takes the units if it then holds them, in one statement
   * (PostgreSQL only), so two processes can never both take the last units. Otherwise takes nothing and says how many
   * units the bucket holds now.
   */
  spend(spend: UnitSpend): Promise<{ spent: true } | { spent: false; available: number }>;
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

    async spend({ key, units, capacity, perMs, now }) {
      // The stored time only moves forward: a process whose clock is behind refills nothing, rather than taking back
      // what another process's refill gave.
      const refilled = sql<number>`least(${capacity}::float8, graph_budget_buckets.tokens + greatest(0, ${now}::bigint - graph_budget_buckets.refilled_at) * ${perMs}::float8)`;
      const spent = await db
        .insertInto('graph_budget_buckets')
        .values({ resource_key: key, tokens: capacity - units, refilled_at: now })
        .onConflict((oc) =>
          oc
            .column('resource_key')
            .doUpdateSet({
              tokens: sql<number>`${refilled} - ${units}::float8`,
              refilled_at: sql<number>`greatest(graph_budget_buckets.refilled_at, ${now}::bigint)`,
            })
            .where(sql<boolean>`${refilled} >= ${units}::float8`),
        )
        .returning('resource_key')
        .executeTakeFirst();
      if (spent) return { spent: true };
      const row = await db
        .selectFrom('graph_budget_buckets')
        .select(['tokens', sql<number>`refilled_at::float8`.as('refilled_at')])
        .where('resource_key', '=', key)
        .executeTakeFirst();
      // Gone since (nobody deletes buckets today): a new one would start full.
      if (!row) return { spent: false, available: capacity };
      const available = Math.min(capacity, row.tokens + Math.max(0, now - row.refilled_at) * perMs);
      return { spent: false, available };
    },
  };
}
