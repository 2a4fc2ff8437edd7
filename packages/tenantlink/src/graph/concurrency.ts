/**
 * Outlook allows 4 requests in flight per app and mailbox; a fifth gets 429 ApplicationThrottled ("over its
 * MailboxConcurrency limit"). These are the routes it counts (mail, calendar, contacts, mailbox settings).
 */
const OUTLOOK_SEGMENTS = new Set([
  'messages',
  'mailfolders',
  'events',
  'calendar',
  'calendars',
  'calendarview',
  'calendargroups',
  'mailboxsettings',
  'sendmail',
  'contacts',
  'contactfolders',
  'inferenceclassification',
  'outlook',
  'findmeetingtimes',
]);

/**
 * The mailbox a request counts against (`mailbox:{user}`), or undefined when it is not an Outlook request.
 * The user is as written in the URL (ID or UPN, lower-cased): one mailbox named both ways counts as two.
 */
export function outlookMailboxKey(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const segments = path.split('/').filter(Boolean);
  if (segments[0] === 'v1.0' || segments[0] === 'beta') segments.shift();
  let user: string | undefined;
  let rest: string | undefined;
  if (segments[0]?.toLowerCase() === 'users' && segments[1]) {
    user = decodeURIComponent(segments[1]).toLowerCase();
    rest = segments[2];
  } else if (segments[0]?.toLowerCase() === 'me') {
    user = 'me';
    rest = segments[1];
  }
  if (!user || !rest) return undefined;
  const resource = decodeURIComponent(rest).toLowerCase().replace(/\(.*$/, '');
  return OUTLOOK_SEGMENTS.has(resource) ? `mailbox:${user}` : undefined;
}

export interface ResourceConcurrencyOptions {
  /** In flight per mailbox. Default 4, Outlook's limit. */
  perMailbox?: number;
  /** In flight over all requests of this client. Default unlimited. */
  maxConcurrentRequests?: number;
  /** Which resource a URL counts against; undefined = only the global cap applies. */
  resourceKey?: (url: string) => string | undefined;
}

interface Gate {
  inFlight: number;
  waiters: (() => void)[];
  /** No request starts before this time (a Retry-After for the whole resource). */
  fenceUntil: number;
}

/**
 * Limits requests in flight per resource (mailbox) and overall, first come first served. Other resources never
 * wait for a busy mailbox. A resource can also be fenced for a while after a 429, so its queued requests wait
 * instead of collecting 429s of their own, while other mailboxes carry on.
 */
export class ResourceConcurrencyLimiter {
  readonly perMailbox: number;
  readonly maxConcurrentRequests: number;
  readonly resourceKey: (url: string) => string | undefined;
  private readonly gates = new Map<string, Gate>();
  private readonly global: Gate = { inFlight: 0, waiters: [], fenceUntil: 0 };

  constructor(options: ResourceConcurrencyOptions = {}) {
    this.perMailbox = options.perMailbox ?? 4;
    this.maxConcurrentRequests = options.maxConcurrentRequests ?? Number.POSITIVE_INFINITY;
    this.resourceKey = options.resourceKey ?? outlookMailboxKey;
  }

  /** Waits for a slot for this URL; returns the function that frees it (call exactly once). */
  acquire(url: string, signal?: AbortSignal): Promise<() => void> {
    const key = this.resourceKey(url);
    return this.acquireKey(key, 1, signal);
  }

  /**
   * Waits for `weight` slots of one resource at once (a `$batch` call carrying several items for one mailbox takes
   * them together, so two batches can never each hold half of what they need).
   */
  async acquireKey(
    key: string | undefined,
    weight: number,
    signal?: AbortSignal,
    options: { global?: boolean } = {},
  ): Promise<() => void> {
    const useGlobal = options.global ?? true;
    const gate = key === undefined ? undefined : this.gateFor(key);
    // A request heavier than the limit runs alone rather than never.
    const need = Math.max(1, Math.min(weight, this.perMailbox));
    if (gate) await this.enter(gate, this.perMailbox, need, signal);
    try {
      if (useGlobal) await this.enter(this.global, this.maxConcurrentRequests, 1, signal);
    } catch (err) {
      if (gate) this.leave(gate, need);
      throw err;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (useGlobal) this.leave(this.global, 1);
      if (gate && key !== undefined) {
        this.leave(gate, need);
        if (gate.inFlight === 0 && gate.waiters.length === 0 && gate.fenceUntil <= Date.now()) this.gates.delete(key);
      }
    };
  }

  /**
   * Takes the mailbox slots a `$batch` call needs (`key → items`), in key order so two batches can never deadlock.
   * The batch's own HTTP call takes the global slot.
   */
  async acquireMany(weights: ReadonlyMap<string, number>, signal?: AbortSignal): Promise<() => void> {
    const releases: (() => void)[] = [];
    try {
      for (const key of [...weights.keys()].sort()) {
        releases.push(await this.acquireKey(key, weights.get(key) ?? 1, signal, { global: false }));
      }
    } catch (err) {
      for (const release of releases) release();
      throw err;
    }
    return () => {
      for (const release of releases) release();
    };
  }

  /** Holds back new requests to this URL's resource until `delayMs` from now. */
  fence(url: string, delayMs: number): void {
    const key = this.resourceKey(url);
    if (key === undefined) return;
    const gate = this.gateFor(key);
    gate.fenceUntil = Math.max(gate.fenceUntil, Date.now() + delayMs);
  }

  /** Requests in flight per resource, for diagnostics. */
  inFlight(): Record<string, number> {
    return Object.fromEntries([...this.gates].map(([k, g]) => [k, g.inFlight]));
  }

  private gateFor(key: string): Gate {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = { inFlight: 0, waiters: [], fenceUntil: 0 };
      this.gates.set(key, gate);
    }
    return gate;
  }

  private async enter(gate: Gate, limit: number, need: number, signal?: AbortSignal): Promise<void> {
    while (gate.inFlight + need > limit) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          gate.waiters = gate.waiters.filter((w) => w !== wake);
          reject(signal?.reason);
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        gate.waiters.push(wake);
      });
    }
    gate.inFlight += need;
    // Waiting out a fence keeps the slot, so requests behind it stay queued in order.
    const wait = gate.fenceUntil - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  private leave(gate: Gate, weight: number): void {
    gate.inFlight = Math.max(0, gate.inFlight - weight);
    // Wake waiters in order while they may fit; each re-checks and re-queues if not.
    const waiters = gate.waiters;
    gate.waiters = [];
    for (const wake of waiters) wake();
  }
}
