import type { Connection } from '../connections/model.js';
import type { ConnectionService } from '../connections/service.js';
import type { SyncDataset } from '../features/dataset.js';
import { ConnectionSchedules } from '../jobs/connection-schedules.js';
import type { JobRunner } from '../jobs/runner.js';
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
 * `syncIntervalMinutes`), following changed settings and removed connections without a restart.
 */
export class SyncScheduler extends ConnectionSchedules<Connection> {
  constructor(options: SyncSchedulerOptions) {
    super({
      runner: options.runner,
      connections: options.connections,
      name: 'sync',
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.refreshMs !== undefined ? { refreshMs: options.refreshMs } : {}),
      wanted: (connection) =>
        options.datasets.flatMap((dataset) => {
          let minutes: number | undefined;
          try {
            minutes = dataset.intervalMinutes?.(connection);
          } catch {
            minutes = undefined;
          }
          if (minutes === undefined) return [];
          return [
            {
              kind: syncJobKind(dataset.name),
              everyMs: minutes * 60_000,
              payload: { trigger: 'schedule' } satisfies SyncJobPayload,
            },
          ];
        }),
    });
  }
}
