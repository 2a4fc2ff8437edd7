import { TenantlinkError } from '../errors.js';
import { directoryResourceUnits } from './directory-cost.js';
import { abortableSleep } from './policies/retry-policy.js';
import { InProcessResourceBudget, LocalCap, type SharedResourceBudget, type UnitQuota } from './resource-budget.js';

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

/** Collections of the directory (identity and access), whose throttling counts per app and tenant. */
const DIRECTORY_ROOTS = new Set([
  'users',
  'groups',
  'directoryobjects',
  'devices',
  'applications',
  'serviceprincipals',
  'organization',
  'contacts',
  'directoryroles',
  'domains',
  'oauth2permissiongrants',
]);

/** What may follow `/users/{id}` or `/groups/{id}` and still be a directory read (not mail, files or presence). */
const DIRECTORY_NAVIGATION = new Set([
  'memberof',
  'transitivememberof',
  'members',
  'transitivemembers',
  'owners',
  'manager',
  'directreports',
  'approleassignments',
  'ownedobjects',
  'registeredowners',
  'licensedetails',
  'checkmembergroups',
  'getmembergroups',
  'checkmemberobjects',
  'getmemberobjects',
]);

/**
 * `directory` for a directory request: one 429 there (scope `Tenant_Application`) throttles every directory request of
 * the app in the tenant, so it pauses them all. Undefined for anything else.
 */
export function directoryScopeKey(url: string): string | undefined {
  let segments: string[];
  try {
    segments = new URL(url).pathname.split('/').filter(Boolean);
  } catch {
    return undefined;
  }
  if (segments[0] === 'v1.0' || segments[0] === 'beta') segments.shift();
  const root = segments[0]?.toLowerCase();
  if (!root || !DIRECTORY_ROOTS.has(root)) return undefined;
  const next = segments[2]?.toLowerCase().replace(/\(.*$/, '');
  return next === undefined || DIRECTORY_NAVIGATION.has(next) ? 'directory' : undefined;
}

export interface ResourceConcurrencyOptions {
  /** In flight per mailbox. Default 4, Outlook's limit. */
  perMailbox?: number;
  /** In flight over all requests of this client, in this process. Default unlimited. */
  maxConcurrentRequests?: number;
  /** Which resource's slots a URL takes; undefined = only the cap over all requests applies. */
  resourceKey?: (url: string) => string | undefined;
  /** Which resource a 429 on this URL pauses. Default: its slot key, else `directory` for directory requests. */
  pauseKey?: (url: string) => string | undefined;
  /**
   * Where slots and pauses live. Default: this limiter's own, in memory. Give several limiters (or processes, through
   * PostgreSQL) one budget to make the limits hold across all of them.
   */
  budget?: SharedResourceBudget;
  /** Prefixed to every key given to the budget, e.g. `{tenant}/{clientId}`: Graph counts per app and tenant. */
  budgetScope?: string;
  /** A Retry-After longer than this pauses a resource only this long. Default 5 minutes (as the retry policy). */
  maxPauseMs?: number;
  /**
   * Graph's quota of directory resource units per app and tenant: requests draw their units from a bucket in the
   * budget (shared as the budget is) before they start, a tenth of it held back. Default `DEFAULT_DIRECTORY_QUOTA`;
   * null sends without counting units.
   */
  directoryQuota?: UnitQuota | null;
}

/**
 * Microsoft's smallest directory quota, for tenants under 50 users (5,000 from 50 to 500 users, 8,000 above): a client
 * that does not know the tenant's size stays under Graph's limit with it, at the price of pacing a large tenant's
 * reads below what Graph would allow.
 */
export const DEFAULT_DIRECTORY_QUOTA: UnitQuota = { units: 3500, windowMs: 10_000 };

/** The budget key of the directory's resource units, under the limiter's app-and-tenant scope. */
const DIRECTORY_UNITS_KEY = 'directory-ru';

/**
 * The share of the directory's bucket a client leaves unused. Graph counts a request when it arrives, we count it
 * before it leaves, so Graph's bucket runs behind ours by the time requests take to get there (more for the first of
 * a burst, which opens connections): with no room for that, the request that takes the last unit can find Graph's
 * bucket a fraction of a unit short, and the sandbox shows it does. A tenth of a 10 s window is a second of such lag.
 * Only the burst is smaller; the pace, and so the throughput of a long sync, stays Graph's.
 */
const DIRECTORY_HEADROOM = 0.1;

/**
 * Limits requests in flight per resource (mailbox) and overall, first come first served. Other resources never
 * wait for a busy mailbox. A resource can also be paused for a while after a 429, so its queued requests wait
 * instead of collecting 429s of their own, while other mailboxes carry on. Slots and pauses live in a budget, which
 * may be shared; the cap over all requests is always this process's own.
 */
export class ResourceConcurrencyLimiter {
  readonly perMailbox: number;
  readonly maxConcurrentRequests: number;
  readonly resourceKey: (url: string) => string | undefined;
  readonly pauseKey: (url: string) => string | undefined;
  readonly budget: SharedResourceBudget;
  readonly directoryQuota: UnitQuota | null;
  /** The bucket the budget keeps for it: the same pace, less the headroom. */
  private readonly directoryBucket: UnitQuota | null;
  private readonly scope: string | undefined;
  private readonly maxPauseMs: number;
  private readonly cap: LocalCap | undefined;
  private readonly held = new Map<string, number>();

  constructor(options: ResourceConcurrencyOptions = {}) {
    this.perMailbox = options.perMailbox ?? 4;
    this.maxConcurrentRequests = options.maxConcurrentRequests ?? Number.POSITIVE_INFINITY;
    this.resourceKey = options.resourceKey ?? outlookMailboxKey;
    this.pauseKey = options.pauseKey ?? ((url) => this.resourceKey(url) ?? directoryScopeKey(url));
    this.budget = options.budget ?? new InProcessResourceBudget();
    this.scope = options.budgetScope;
    this.maxPauseMs = options.maxPauseMs ?? 300_000;
    this.cap = Number.isFinite(this.maxConcurrentRequests) ? new LocalCap(this.maxConcurrentRequests) : undefined;
    const quota = options.directoryQuota === undefined ? DEFAULT_DIRECTORY_QUOTA : options.directoryQuota;
    if (quota && !(quota.units > 0 && quota.windowMs > 0 && Number.isFinite(quota.units / quota.windowMs)))
      throw new TenantlinkError('INVALID_INPUT', 'A directory quota needs a positive number of units and window.');
    this.directoryQuota = quota;
    this.directoryBucket = quota && {
      units: quota.units * (1 - DIRECTORY_HEADROOM),
      windowMs: quota.windowMs * (1 - DIRECTORY_HEADROOM),
    };
  }

  /**
   * Waits for a slot for this URL (and out any pause on it, and, for a directory request, for the resource units it
   * costs); returns the function that frees the slot (call once).
   *
   * The items of a `$batch` are not charged: the batch's own URL is not a directory URL, and `acquireMany` takes only
   * their mailbox slots. A batch of directory reads can still draw a 429, which pauses the directory as any 429 does.
   */
  acquire(url: string, signal?: AbortSignal, method = 'GET'): Promise<() => void> {
    const units = this.directoryBucket && directoryScopeKey(url) ? directoryResourceUnits(method, url) : 0;
    return this.take(this.resourceKey(url), 1, this.pauseKey(url), signal, true, units);
  }

  /**
   * Waits for `weight` slots of one resource at once (a `$batch` call carrying several items for one mailbox takes
   * them together, so two batches can never each hold half of what they need).
   */
  acquireKey(
    key: string | undefined,
    weight: number,
    signal?: AbortSignal,
    options: { global?: boolean } = {},
  ): Promise<() => void> {
    return this.take(key, weight, key, signal, options.global ?? true);
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

  /** Pauses new requests to this URL's resource until `delayMs` from now, for every client sharing the budget. */
  async fence(url: string, delayMs: number): Promise<void> {
    const key = this.pauseKey(url);
    if (key === undefined) return;
    try {
      await this.budget.fence(this.scoped(key), Date.now() + Math.min(delayMs, this.maxPauseMs));
    } catch {
      // A pause that could not be shared (the database is away) only costs others a 429 of their own; the request's
      // retry still waits its Retry-After.
    }
  }

  /** Slots this limiter holds per resource, for diagnostics. */
  inFlight(): Record<string, number> {
    return Object.fromEntries(this.held);
  }

  private async take(
    slotKey: string | undefined,
    weight: number,
    pauseKey: string | undefined,
    signal: AbortSignal | undefined,
    useCap: boolean,
    directoryUnits = 0,
  ): Promise<() => void> {
    // A request heavier than the limit runs alone rather than never.
    const need = Math.max(1, Math.min(weight, this.perMailbox));
    const releases: (() => void)[] = [];
    const releaseAll = () => {
      for (const release of releases.splice(0).reverse()) release();
    };
    try {
      if (slotKey !== undefined) {
        const release = await this.budget.acquire(this.scoped(slotKey), need, this.perMailbox, signal);
        this.count(slotKey, need);
        releases.push(() => {
          this.count(slotKey, -need);
          release();
        });
      }
      // Waiting out a pause keeps the resource's slots, so the requests behind it stay queued in order; the cap over
      // all requests is taken after, so a paused mailbox does not hold it up for the others.
      if (pauseKey !== undefined) await this.waitOutPause(pauseKey, signal);
      if (directoryUnits > 0 && this.directoryBucket) {
        await this.budget.spend(this.scoped(DIRECTORY_UNITS_KEY), directoryUnits, this.directoryBucket, signal);
        // A 429 may have paused the resource while this waited for units.
        if (pauseKey !== undefined) await this.waitOutPause(pauseKey, signal);
      }
      if (useCap && this.cap) releases.push(await this.cap.enter(signal));
    } catch (err) {
      releaseAll();
      throw err;
    }
    return releaseAll;
  }

  private async waitOutPause(key: string, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const wait = (await this.budget.fencedUntil(this.scoped(key))) - Date.now();
      if (wait <= 0) return;
      await abortableSleep(wait, signal);
    }
  }

  private scoped(key: string): string {
    return this.scope === undefined ? key : `${this.scope}/${key}`;
  }

  private count(key: string, delta: number): void {
    const n = (this.held.get(key) ?? 0) + delta;
    if (n > 0) this.held.set(key, n);
    else this.held.delete(key);
  }
}
