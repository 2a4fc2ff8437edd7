/**
 * The part of the Graph throttling limits that several clients, or several processes, must share: slots in flight per
 * resource (Outlook's 4 per app and mailbox) and the pause a 429's Retry-After puts on a resource.
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

/** The budget of one process: what every client had before budgets could be shared, and the default. */
export class InProcessResourceBudget implements SharedResourceBudget {
  private readonly gates = new Map<string, SlotGate>();

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
