import type { AccessToken } from './token-provider.js';

/** How early a cached token is replaced, and the clock used to decide (injectable for tests). */
export interface FreshnessOptions {
  /** A token expiring within this many milliseconds is refreshed before it is handed out. Default 5 minutes. */
  refreshWindowMs?: number;
  /** Milliseconds since the epoch; `Date.now` unless a test moves time. */
  now?: () => number;
}

export const DEFAULT_REFRESH_WINDOW_MS = 5 * 60_000;

/** Below this much remaining life a token is not handed out even when refreshing it failed. */
const LAST_RESORT_MS = 60_000;

/**
 * Keeps one access token fresh: hands out the cached token while it has more than the refresh window left, refreshes
 * it just in time otherwise, and makes concurrent callers share one refresh (single flight). When a proactive refresh
 * fails while the old token still has a minute left, the old token is handed out and the next call tries again;
 * forced refreshes always surface their error.
 */
export class FreshTokenKeeper {
  private current: AccessToken | undefined;
  private inFlight: Promise<AccessToken> | undefined;
  private inFlightForced = false;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchToken: (force: boolean) => Promise<AccessToken>,
    options: FreshnessOptions = {},
  ) {
    this.windowMs = options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  /** Whether a token is fresh enough to hand out without refreshing. */
  isFresh(token: AccessToken): boolean {
    return token.expiresOn.getTime() - this.now() > this.windowMs;
  }

  async get(forceRefresh = false): Promise<AccessToken> {
    const cached = this.current;
    if (!forceRefresh && cached && this.isFresh(cached)) return cached;
    try {
      return await this.refresh(forceRefresh || cached !== undefined);
    } catch (err) {
      if (!forceRefresh && cached && cached.expiresOn.getTime() - this.now() > LAST_RESORT_MS) return cached;
      throw err;
    }
  }

  /** Forgets the cached token (after a 401 from Graph, say). */
  clear(): void {
    this.current = undefined;
  }

  private refresh(force: boolean): Promise<AccessToken> {
    // A forced refresh must not settle for a flight that may be answered from MSAL's cache.
    if (this.inFlight && (this.inFlightForced || !force)) return this.inFlight;
    const flight = this.fetchToken(force)
      .then((token) => {
        this.current = token;
        return token;
      })
      .finally(() => {
        if (this.inFlight === flight) this.inFlight = undefined;
      });
    this.inFlight = flight;
    this.inFlightForced = force;
    return flight;
  }
}
