import type { ConnectionService } from '../connections/service.js';
import type { SyncDataset } from '../features/dataset.js';
import type { JobRunner, ScheduledJob } from '../jobs/runner.js';
import type { Logger } from '../logging/index.js';
import { type SyncJobPayload, syncJobKind } from './service.js';

export interface SyncSchedulerOptions {
  runner: JobRunner;
  connections: ConnectionService;
  datasets: readonly SyncDataset[];
  logger?: Logger;
  /** How often connections' settings are read again for new, changed or removed intervals. Default 60 s. */
  refreshMs?: number;
}

/**
 * Keeps one job-runner schedule per connection and dataset whose settings ask for one (the directory's
 * `syncIntervalMinutes`). Settings are read again every minute, so a changed interval or a removed connection is
 * followed without a restart. The runner coalesces, so a run longer than its interval never piles up.
 */
export class SyncScheduler {
  readonly #options: SyncSchedulerOptions;
  readonly #schedules = new Map<string, { everyMs: number; job: ScheduledJob }>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: SyncSchedulerOptions) {
    this.#options = options;
  }

  /** Schedules what the settings ask for now, then follows changes. */
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

  /** Brings the schedules in line with the connections' settings. */
  refresh(atStart = false): Promise<void> {
    this.#refreshing ??= this.#refresh(atStart)
      .catch((err: unknown) =>
        this.#options.logger?.warn({ err: { message: (err as Error).message } }, 'sync schedules not refreshed'),
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  async #refresh(atStart: boolean): Promise<void> {
    const wanted = new Map<string, { connectionId: string; dataset: string; everyMs: number }>();
    for (const connection of await this.#options.connections.list()) {
      for (const dataset of this.#options.datasets) {
        let minutes: number | undefined;
        try {
          minutes = dataset.intervalMinutes?.(connection);
        } catch {
          minutes = undefined;
        }
        if (minutes === undefined) continue;
        wanted.set(`${connection.id}\u0000${dataset.name}`, {
          connectionId: connection.id,
          dataset: dataset.name,
          everyMs: minutes * 60_000,
        });
      }
    }
    for (const [key, current] of this.#schedules) {
      if (wanted.get(key)?.everyMs === current.everyMs) continue;
      current.job.cancel();
      this.#schedules.delete(key);
    }
    for (const [key, want] of wanted) {
      if (this.#schedules.has(key)) continue;
      const job = this.#options.runner.schedule({
        kind: syncJobKind(want.dataset),
        connectionId: want.connectionId,
        everyMs: want.everyMs,
        payload: { trigger: 'schedule' } satisfies SyncJobPayload,
        // At start, catch up at once; a schedule added or changed later waits one interval.
        immediately: atStart,
      });
      this.#schedules.set(key, { everyMs: want.everyMs, job });
    }
  }
}
