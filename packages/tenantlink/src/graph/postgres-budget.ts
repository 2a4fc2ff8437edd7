import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type BackoffLimits, backoffDelay } from '../backoff.js';
import { type GraphBudgetsRepository, graphBudgetsRepository } from '../store/graph-budgets-repository.js';
import type { StoreHandle } from '../store/schema.js';
import type { SharedResourceBudget, UnitQuota } from './resource-budget.js';

export interface PostgresResourceBudgetOptions {
  /**
   * How long a slot stays held without being renewed, so the longest a process that died (kill -9, a lost machine)
   * keeps its slots. Default 15 s.
   */
  leaseMs?: number;
  /** How often this process renews the leases of the slots it holds. Default a third of the lease. */
  renewEveryMs?: number;
  /** How often a full resource is asked again: backing off from `initialMs` to `maxMs`. Default 10 ms to 250 ms. */
  poll?: BackoffLimits;
  /**
   * How long a fence read is reused for a resource without slots (the directory), so another process's pause may reach
   * this one that much late. A mailbox's fence is read with its slots, so it is always current. Default 250 ms.
   */
  fenceCacheMs?: number;
  /**
   * The shortest and longest wait before a bucket short of units is asked again. The wait is computed from the
   * refill rate; the bounds keep a miscomputed wait (another process spending meanwhile, clocks apart) from becoming a
   * busy loop or a long stall. Default 10 ms to 1 s.
   */
  bucketPoll?: BackoffLimits;
  /** Told of a renewal that failed (the next one tries again). */
  onRenewError?: (err: unknown) => void;
}

/** The requests of this process waiting for one resource: only the first asks the database. */
interface Line {
  tickets: object[];
  wakers: Set<() => void>;
}

/**
 * Graph throttling budgets shared by every process on one PostgreSQL database (see SharedResourceBudget).
 *
 * Slots are rows with a lease rather than advisory locks. A session's advisory lock lives on one connection: a process
 * would need a connection of its own for its locks (outside the pool, and not through a transaction-mode PgBouncer),
 * and the lock of a process that vanished without closing its socket (a lost machine, a partition) stays until TCP
 * keepalive gives up, which by default is hours. A lease gives a bound we choose: a dead process's slots are free again
 * at most `leaseMs` after its last renewal. The price is a write per request and one renewal per process every
 * `renewEveryMs`. Times are the processes' clocks, so machines must agree to well within a lease (NTP does).
 *
 * Waiting polls with backoff (10 ms doubling to 250 ms by default) rather than LISTEN: slots free up within
 * milliseconds under load, and a wake-up for every release would cost more than the polls. Inside a process the
 * waiters for one resource line up, so only the first polls, and a local release wakes it at once.
 *
 * A bucket of units (the directory's resource units) is one row refilled lazily: whoever spends adds what the time
 * since the last refill is worth, then takes its units, in a single upsert whose condition is that they are there.
 * Under PostgreSQL's row lock the racing processes see each other's spending, so together they never take more than
 * the bucket gives, without a lease or a lock held across a round trip. A spender that comes up short knows when the
 * refill will cover it and sleeps that long; the waiters of a process line up behind it as for slots. Processes are
 * not served in arrival order among themselves, which only matters to a spender much larger than the others; the
 * directory's costs are 1 to 5 units of thousands.
 */
export class PostgresResourceBudget implements SharedResourceBudget {
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly leaseMs: number;
  private readonly repo: GraphBudgetsRepository;
  private readonly poll: BackoffLimits;
  private readonly fenceCacheMs: number;
  private readonly bucketPoll: BackoffLimits;
  private readonly lines = new Map<string, Line>();
  /** Waiters for buckets, apart from those for slots: a key is only ever one or the other, but nothing says so. */
  private readonly bucketLines = new Map<string, Line>();
  /** Token → key of every acquisition this process holds. */
  private readonly held = new Map<string, string>();
  private readonly fences = new Map<string, { until: number; readAt: number }>();
  private readonly renewal: NodeJS.Timeout;
  private renewing: Promise<void> | undefined;

  constructor(
    store: StoreHandle,
    private readonly options: PostgresResourceBudgetOptions = {},
  ) {
    this.repo = graphBudgetsRepository(store);
    this.leaseMs = options.leaseMs ?? 15_000;
    this.poll = options.poll ?? { initialMs: 10, maxMs: 250 };
    this.fenceCacheMs = options.fenceCacheMs ?? 250;
    this.bucketPoll = options.bucketPoll ?? { initialMs: 10, maxMs: 1000 };
    this.renewal = setInterval(() => this.renew(), options.renewEveryMs ?? Math.floor(this.leaseMs / 3));
    this.renewal.unref();
  }

  async acquire(key: string, weight: number, limit: number, signal?: AbortSignal): Promise<() => void> {
    const line = this.lineFor(this.lines, key);
    const ticket = {};
    line.tickets.push(ticket);
    try {
      while (line.tickets[0] !== ticket) await this.wait(line, undefined, signal);
      for (let failures = 0; ; failures++) {
        signal?.throwIfAborted();
        const token = randomUUID();
        const now = Date.now();
        const { taken, fencedUntil } = await this.repo.take({
          key,
          weight,
          limit,
          token,
          holder: this.holder,
          expiresAt: iso(now + this.leaseMs),
          now: iso(now),
        });
        this.remember(key, fencedUntil, now);
        if (taken) {
          this.held.set(token, key);
          return this.releaser(token, key);
        }
        await this.wait(line, backoffDelay(failures + 1, this.poll), signal);
      }
    } finally {
      line.tickets.splice(line.tickets.indexOf(ticket), 1);
      this.wakeLine(this.lines, key);
    }
  }

  async spend(key: string, units: number, quota: UnitQuota, signal?: AbortSignal): Promise<void> {
    const line = this.lineFor(this.bucketLines, key);
    const ticket = {};
    line.tickets.push(ticket);
    try {
      while (line.tickets[0] !== ticket) await this.wait(line, undefined, signal);
      const perMs = quota.units / quota.windowMs;
      const need = Math.min(units, quota.units);
      for (;;) {
        signal?.throwIfAborted();
        const answer = await this.repo.spend({ key, units: need, capacity: quota.units, perMs, now: Date.now() });
        if (answer.spent) return;
        const refill = Math.ceil((need - answer.available) / perMs);
        const { initialMs, maxMs } = this.bucketPoll;
        await this.wait(line, Math.min(maxMs, Math.max(initialMs, refill)), signal);
      }
    } finally {
      line.tickets.splice(line.tickets.indexOf(ticket), 1);
      this.wakeLine(this.bucketLines, key);
    }
  }

  async fence(key: string, untilMs: number): Promise<void> {
    await this.repo.fence(key, iso(untilMs), iso(Date.now()));
    const cached = this.fences.get(key);
    this.fences.set(key, { until: Math.max(untilMs, cached?.until ?? 0), readAt: cached?.readAt ?? 0 });
  }

  async fencedUntil(key: string): Promise<number> {
    const now = Date.now();
    const cached = this.fences.get(key);
    if (cached && now - cached.readAt < this.fenceCacheMs) return cached.until;
    return this.remember(key, await this.repo.fencedUntil(key), now);
  }

  /** Caches a fence read at `readAt`; a fence this process set since stays, even if the read missed it. */
  private remember(key: string, stored: string | undefined, readAt: number): number {
    const until = Math.max(stored ? Date.parse(stored) : 0, this.fences.get(key)?.until ?? 0);
    if (this.fences.size > 1000) this.forgetStaleFences(readAt);
    this.fences.set(key, { until, readAt });
    return until;
  }

  /** Slots held now on this resource, by every process. */
  inUse(key: string): Promise<number> {
    return this.repo.held(key, iso(Date.now()));
  }

  /** Stops renewing and gives back every slot this process holds. */
  async close(): Promise<void> {
    clearInterval(this.renewal);
    const tokens = [...this.held.keys()];
    this.held.clear();
    await this.renewing;
    await Promise.all(tokens.map((token) => this.repo.release(token).catch(() => {})));
  }

  private releaser(token: string, key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held.delete(token);
      // Unrenewed, the slots come free when their lease runs out even if this delete fails.
      this.repo
        .release(token)
        .catch(() => {})
        .finally(() => this.wakeLine(this.lines, key));
    };
  }

  private renew(): void {
    if (this.held.size === 0 || this.renewing) return;
    this.renewing = this.repo
      .renew([...this.held.keys()], iso(Date.now() + this.leaseMs))
      .catch((err: unknown) => this.options.onRenewError?.(err))
      .finally(() => {
        this.renewing = undefined;
      });
  }

  private lineFor(lines: Map<string, Line>, key: string): Line {
    let line = lines.get(key);
    if (!line) {
      line = { tickets: [], wakers: new Set() };
      lines.set(key, line);
    }
    return line;
  }

  private wakeLine(lines: Map<string, Line>, key: string): void {
    const line = lines.get(key);
    if (!line) return;
    if (line.tickets.length === 0) {
      lines.delete(key);
      return;
    }
    for (const wake of [...line.wakers]) wake();
  }

  /** Until woken (the line moved, a local slot came free), `ms` passed, or the signal aborted. */
  private wait(line: Line, ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const cleanUp = () => {
        clearTimeout(timer);
        line.wakers.delete(done);
        signal?.removeEventListener('abort', onAbort);
      };
      const done = () => {
        cleanUp();
        resolve();
      };
      const onAbort = () => {
        cleanUp();
        reject(signal?.reason);
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      line.wakers.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private forgetStaleFences(now: number): void {
    for (const [key, fence] of this.fences) {
      if (fence.until <= now && now - fence.readAt >= this.fenceCacheMs) this.fences.delete(key);
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The budget a process on this store shares: PostgreSQL's, or none (each Graph client keeps its own, in memory). */
export function sharedGraphBudget(store: StoreHandle): PostgresResourceBudget | undefined {
  return store.dialect === 'postgres' ? new PostgresResourceBudget(store) : undefined;
}
