import { abortableSleep } from './policies/retry-policy.js';

/** A token bucket's size and pace: `units` at most, refilled continuously at `units` per `windowMs`. */
export interface UnitQuota {
  units: number;
  windowMs: number;
}

/**
 * The part of the Graph throttling limits that several clients, or several processes, must share: slots in flight per
 * resource (Outlook's 4 per app and mailbox), the pause a 429's Retry-After puts on a resource, and buckets of units
 * (the directory's resource units per app and tenant).
 *
 * Keys are opaque here. The limiter prefixes them with the app and tenant, because Graph counts per app and tenant.
 */
export interface SharedResourceBudget {
  /**
   * Waits until `weight` of the resource's `limit` slots are free and takes them together; resolves with the function
   * that gives them back (calling it twice is harmless). Rejects with the signal's reason when it aborts first.
   */
  acquire(key: string, weight: number, limit: number, signal?: AbortSignal): Promise<() => void>;
  /** No new request to the resource should start before `untilMs` (epoch ms). A fence is only ever extended. */
  fence(key: string, untilMs: number): Promise<void>;
  /** Epoch ms before which the resource is paused; 0 (or a past time) when it is not. */
  fencedUntil(key: string): Promise<number>;
  /**
   * Waits until the bucket `key` holds `units` (at most its whole size) and takes them; units are not given back.
   * A bucket not seen before starts full. Rejects with the signal's reason when it aborts first.
   */
  spend(key: string, units: number, quota: UnitQuota, signal?: AbortSignal): Promise<void>;
}

/** Slots of one resource, waiters first come first served. */
class SlotGate {
  inFlight = 0;
  fenceUntil = 0;
  private waiters: (() => void)[] = [];

  get idle(): boolean {
    return this.inFlight === 0 && this.waiters.length === 0 && this.fenceUntil <= Date.now();
  }

  async enter(need: number, limit: number, signal?: AbortSignal): Promise<void> {
    while (this.inFlight + need > limit) {
      await new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(wake);
      });
    }
    this.inFlight += need;
  }

  leave(need: number): void {
    this.inFlight = Math.max(0, this.inFlight - need);
    // Wake waiters in order while they may fit; each re-checks and queues again if not.
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Units of one bucket. Spenders take turns in arrival order, so a request needing 5 units is not overtaken for ever by
 * requests needing 1.
 */
class UnitBucket {
  private tokens: number;
  private refilledAt: number;
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    public quota: UnitQuota,
    now: number,
  ) {
    this.tokens = quota.units;
    this.refilledAt = now;
  }

  /** Whether forgetting this bucket changes nothing: nobody waits, and a new one would start as full. */
  idle(now: number): boolean {
    return this.waiting === 0 && this.available(now) >= this.quota.units;
  }

  async take(units: number, signal: AbortSignal | undefined): Promise<void> {
    const before = this.tail;
    let done!: () => void;
    this.tail = new Promise((resolve) => {
      done = resolve;
    });
    this.waiting += 1;
    try {
      await untilSettled(before, signal);
      for (;;) {
        const now = Date.now();
        const available = this.available(now);
        const need = Math.min(units, this.quota.units);
        this.tokens = available;
        this.refilledAt = Math.max(this.refilledAt, now);
        if (available >= need) {
          this.tokens -= need;
          return;
        }
        await abortableSleep(Math.max(1, Math.ceil((need - available) / this.rate())), signal);
      }
    } finally {
      this.waiting -= 1;
      // One who gave up before its turn still hands the turn on only after the one before it.
      void before.then(done);
    }
  }

  private available(now: number): number {
    return Math.min(this.quota.units, this.tokens + Math.max(0, now - this.refilledAt) * this.rate());
  }

  private rate(): number {
    return this.quota.units / this.quota.windowMs;
  }
}

/** Resolves when `promise` does; rejects with the signal's reason if it aborts first. */
function untilSettled(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/** The budget of one process: what every client had before budgets could be shared, and the default. */
export class InProcessResourceBudget implements SharedResourceBudget {
  private readonly gates = new Map<string, SlotGate>();
  private readonly buckets = new Map<string, UnitBucket>();

  async acquire(key: string, weight: number, limit: number, signal?: AbortSignal): Promise<() => void> {
    const gate = this.gateFor(key);
    try {
      await gate.enter(weight, limit, signal);
    } catch (err) {
      this.forgetIfIdle(key, gate);
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      gate.leave(weight);
      this.forgetIfIdle(key, gate);
    };
  }

  async fence(key: string, untilMs: number): Promise<void> {
    const gate = this.gateFor(key);
    gate.fenceUntil = Math.max(gate.fenceUntil, untilMs);
  }

  async fencedUntil(key: string): Promise<number> {
    const gate = this.gates.get(key);
    if (!gate) return 0;
    const until = gate.fenceUntil;
    this.forgetIfIdle(key, gate);
    return until;
  }

  async spend(key: string, units: number, quota: UnitQuota, signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 1000) this.forgetIdleBuckets(now);
      bucket = new UnitBucket(quota, now);
      this.buckets.set(key, bucket);
    }
    bucket.quota = quota;
    await bucket.take(units, signal);
  }

  private forgetIdleBuckets(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.idle(now)) this.buckets.delete(key);
  }

  private gateFor(key: string): SlotGate {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = new SlotGate();
      this.gates.set(key, gate);
    }
    return gate;
  }

  private forgetIfIdle(key: string, gate: SlotGate): void {
    if (gate.idle && this.gates.get(key) === gate) this.gates.delete(key);
  }
}

/** A cap of this process only: the limiter's bound over all requests of one client, which is never shared. */
export class LocalCap {
  private readonly gate = new SlotGate();

  constructor(readonly limit: number) {}

  async enter(signal?: AbortSignal): Promise<() => void> {
    await this.gate.enter(1, this.limit, signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.gate.leave(1);
    };
  }
}
