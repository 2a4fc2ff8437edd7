import type { Logger } from '../logging/index.js';
import type { JobRunner, ScheduledJob } from './runner.js';

/** A job a connection wants every `everyMs`. */
export interface ScheduleWish {
  kind: string;
  everyMs: number;
  payload?: unknown;
}

export interface ConnectionSchedulesOptions<C extends { id: string }> {
  runner: JobRunner;
  /** The connections as they stand now. */
  connections: { list(): Promise<C[]> };
  /** The jobs a connection wants on a schedule, as its settings and features say now. */
  wanted: (connection: C) => ScheduleWish[];
  /** What the schedules are for, in log lines. */
  name: string;
  logger?: Logger | undefined;
  /** How often connections are read again for new, changed or removed schedules. Default 60 s. */
  refreshMs?: number;
}

/**
 * Keeps one job-runner schedule per connection and job kind that the connection wants. Connections are read again
 * every minute, so a changed interval, a new feature or a removed connection is followed without a restart. The
 * runner coalesces, so a run longer than its interval never piles up.
 */
export class ConnectionSchedules<C extends { id: string }> {
  readonly #options: ConnectionSchedulesOptions<C>;
  readonly #schedules = new Map<string, { everyMs: number; job: ScheduledJob }>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: ConnectionSchedulesOptions<C>) {
    this.#options = options;
  }

  /** Schedules what the connections want now, then follows changes. */
  async start(): Promise<void> {
    await this.refresh(true);
    this.#timer = setInterval(() => void this.refresh(false), this.#options.refreshMs ?? 60_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const { job } of this.#schedules.values()) job.cancel();
    this.#schedules.clear();
  }

  /** Brings the schedules in line with the connections. */
  refresh(atStart = false): Promise<void> {
    this.#refreshing ??= this.#refresh(atStart)
      .catch((err: unknown) =>
        this.#options.logger?.warn(
          { err: { message: (err as Error).message } },
          `${this.#options.name} schedules not refreshed`,
        ),
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  async #refresh(atStart: boolean): Promise<void> {
    const wanted = new Map<string, ScheduleWish & { connectionId: string }>();
    for (const connection of await this.#options.connections.list()) {
      let wishes: ScheduleWish[];
      try {
        wishes = this.#options.wanted(connection);
      } catch {
        wishes = [];
      }
      for (const wish of wishes)
        wanted.set(`${connection.id}\u0000${wish.kind}`, { ...wish, connectionId: connection.id });
    }
    for (const [key, current] of this.#schedules) {
      if (wanted.get(key)?.everyMs === current.everyMs) continue;
      current.job.cancel();
      this.#schedules.delete(key);
    }
    for (const [key, want] of wanted) {
      if (this.#schedules.has(key)) continue;
      const job = this.#options.runner.schedule({
        kind: want.kind,
        connectionId: want.connectionId,
        everyMs: want.everyMs,
        ...(want.payload !== undefined ? { payload: want.payload } : {}),
        // At start, catch up at once; a schedule added or changed later waits one interval.
        immediately: atStart,
      });
      this.#schedules.set(key, { everyMs: want.everyMs, job });
    }
  }
}
