import type { PersonSchedule } from './free-busy.js';

/** How long an answer is reused: long enough for a page that asks again, short enough to need no invalidation yet. */
const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/**
 * Recent free/busy answers per connection, person, range and interval, so that a screen asking again (or for a few
 * more people) reads only what it has not. Errors are not kept.
 */
export class FreeBusyCache {
  readonly #entries = new Map<string, { at: number; value: PersonSchedule }>();

  #key(connectionId: string, user: string, range: string): string {
    return `${connectionId}\u0000${range}\u0000${user.toLowerCase()}`;
  }

  get(connectionId: string, user: string, range: string): PersonSchedule | undefined {
    const key = this.#key(connectionId, user, range);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.at > TTL_MS) {
      this.#entries.delete(key);
      return undefined;
    }
    return { ...entry.value, user };
  }

  set(connectionId: string, range: string, value: PersonSchedule): void {
    if (value.error) return;
    if (this.#entries.size >= MAX_ENTRIES) {
      // Oldest first: a Map iterates in insertion order.
      for (const key of [...this.#entries.keys()].slice(0, MAX_ENTRIES / 10)) this.#entries.delete(key);
    }
    this.#entries.set(this.#key(connectionId, value.user, range), { at: Date.now(), value });
  }
}
