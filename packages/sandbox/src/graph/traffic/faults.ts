import { randomUUID } from 'node:crypto';

export interface FaultRule {
  id: string;
  /** Matched against the request path: `^…` is a regular expression, otherwise `*` matches anything (`/v1.0/users*`). */
  pathPattern: string;
  method: string | null;
  status: number;
  retryAfterSeconds: number | null;
  /** How many more requests to fail; null = until removed. */
  remaining: number | null;
  probability: number;
  body: unknown;
  matcher: RegExp;
}

export interface NewFault {
  pathPattern: string;
  method?: string;
  status: number;
  retryAfterSeconds?: number;
  count?: number;
  probability?: number;
  body?: unknown;
}

/** A pattern starting with `^` is a regular expression; otherwise `*` matches anything and the rest is literal. */
function toMatcher(pattern: string): RegExp {
  if (pattern.startsWith('^')) return new RegExp(pattern, 'i');
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Faults injected through the control API: the next matching requests fail with a chosen status. */
export class FaultInjector {
  private rules: FaultRule[] = [];

  add(input: NewFault): FaultRule {
    const rule: FaultRule = {
      id: randomUUID(),
      pathPattern: input.pathPattern,
      method: input.method?.toUpperCase() ?? null,
      status: input.status,
      retryAfterSeconds: input.retryAfterSeconds ?? null,
      remaining: input.count ?? null,
      probability: input.probability ?? 1,
      body: input.body,
      matcher: toMatcher(input.pathPattern),
    };
    this.rules.push(rule);
    return rule;
  }

  list(): Omit<FaultRule, 'matcher'>[] {
    return this.rules.map(({ matcher: _m, ...rest }) => rest);
  }

  clear(): void {
    this.rules = [];
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** The fault that applies to this request, if any (and uses one of its count). */
  match(method: string, path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method.toUpperCase()) continue;
      if (!rule.matcher.test(path)) continue;
      if (rule.probability < 1 && Math.random() >= rule.probability) continue;
      if (rule.remaining !== null) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      }
      return rule;
    }
    return undefined;
  }
}

/** Added delay on every Graph request, to make the sandbox behave like a far-away service. */
export interface LatencySettings {
  ms: number;
  jitterMs: number;
}

const RECENT_LIMIT = 1000;

/** Request counters for tests and benchmarks: totals, by route and status, throttled, peak concurrency. */
export class TrafficStats {
  total = 0;
  throttled = 0;
  byRoute: Record<string, number> = {};
  byStatus: Record<string, number> = {};
  peakConcurrency = 0;
  peakConcurrencyByMailbox: Record<string, number> = {};
  /** The latest requests, oldest first: when each was answered, so a client's waits can be checked. */
  recent: { at: string; route: string; status: number }[] = [];
  private inFlight = 0;
  private readonly inFlightByMailbox = new Map<string, number>();

  started(): void {
    this.inFlight += 1;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.inFlight);
  }

  finished(route: string, status: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.total += 1;
    this.byRoute[route] = (this.byRoute[route] ?? 0) + 1;
    this.byStatus[String(status)] = (this.byStatus[String(status)] ?? 0) + 1;
    if (status === 429) this.throttled += 1;
    this.recent.push({ at: new Date().toISOString(), route, status });
    if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
  }

  mailboxStarted(mailbox: string): void {
    const n = (this.inFlightByMailbox.get(mailbox) ?? 0) + 1;
    this.inFlightByMailbox.set(mailbox, n);
    this.peakConcurrencyByMailbox[mailbox] = Math.max(this.peakConcurrencyByMailbox[mailbox] ?? 0, n);
  }

  mailboxFinished(mailbox: string): void {
    this.inFlightByMailbox.set(mailbox, Math.max(0, (this.inFlightByMailbox.get(mailbox) ?? 1) - 1));
  }

  snapshot() {
    return {
      total: this.total,
      byRoute: this.byRoute,
      byStatus: this.byStatus,
      throttled: this.throttled,
      peakConcurrency: this.peakConcurrency,
      peakConcurrencyByMailbox: this.peakConcurrencyByMailbox,
      recent: this.recent,
    };
  }

  reset(): void {
    this.total = 0;
    this.throttled = 0;
    this.byRoute = {};
    this.byStatus = {};
    this.peakConcurrency = this.inFlight;
    this.peakConcurrencyByMailbox = {};
    this.recent = [];
  }
}
