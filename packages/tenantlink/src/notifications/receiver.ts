import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Vault } from '../connections/vault.js';
import { subscriptionClientStateContext } from '../connections/vault.js';
import { featureDefinition } from '../features/index.js';
import type { JobRunner } from '../jobs/runner.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/database.js';
import { graphSubscriptionsRepository, type StoredSubscription } from '../store/graph-subscriptions-repository.js';
import { isoNow } from '../store/schema.js';
import type { SyncService } from '../sync/service.js';
import { SUBSCRIPTIONS_JOB } from './subscription-manager.js';

/** What Graph posts: a batch of notifications, of changes or of a subscription's lifecycle. Extra fields are ignored. */
export const notificationBatch = z.object({
  value: z
    .array(
      z.object({
        subscriptionId: z.string().min(1).max(200),
        clientState: z.string().max(256).nullish(),
        changeType: z.string().max(100).optional(),
        resource: z.string().max(2000).optional(),
        tenantId: z.string().max(100).optional(),
        lifecycleEvent: z.string().max(100).optional(),
      }),
    )
    .max(1000),
});
export type NotificationBatch = z.infer<typeof notificationBatch>;

export interface NotificationReceiverOptions {
  store: Store;
  vault: Vault;
  sync: SyncService;
  runner: JobRunner;
  logger?: Logger | undefined;
}

/** How a batch was taken: notifications acted on, and those ignored (unknown subscription, wrong client state). */
export interface Received {
  accepted: number;
  ignored: number;
}

/**
 * Takes Graph's notifications. Each must name a subscription we keep and carry its client state (compared in constant
 * time); anything else is ignored. A notification never becomes data: a change sets off a delta round of the
 * feature's dataset (one per connection and dataset, joined while one waits), a `missed` one the same catch-up;
 * `reauthorizationRequired` and `subscriptionRemoved` hand the subscription to the manager's job.
 */
export class NotificationReceiver {
  readonly #options: NotificationReceiverOptions;

  constructor(options: NotificationReceiverOptions) {
    this.#options = options;
  }

  async receive(batch: NotificationBatch): Promise<Received> {
    const repo = graphSubscriptionsRepository(this.#options.store);
    const reads = new Map<string, { connectionId: string; dataset: string }>();
    const maintain = new Set<string>();
    let accepted = 0;
    let ignored = 0;
    for (const item of batch.value) {
      const row = await repo.byGraphId(item.subscriptionId);
      if (!row || !this.#clientStateMatches(row, item.clientState)) {
        ignored += 1;
        continue;
      }
      accepted += 1;
      await repo.notified(row.id, isoNow());
      const dataset = featureDefinition(row.feature)?.notifications?.dataset;
      switch (item.lifecycleEvent) {
        case 'reauthorizationRequired':
          await repo.setState(row.id, 'reauthorize');
          maintain.add(row.connectionId);
          break;
        case 'subscriptionRemoved':
          await repo.setState(row.id, 'removed');
          maintain.add(row.connectionId);
          // What changed while it was gone is read too.
          if (dataset) reads.set(`${row.connectionId}\u0000${dataset}`, { connectionId: row.connectionId, dataset });
          break;
        default:
          // A change, or `missed`: the dataset's delta reads what happened.
          if (dataset) reads.set(`${row.connectionId}\u0000${dataset}`, { connectionId: row.connectionId, dataset });
      }
    }
    for (const { connectionId, dataset } of reads.values())
      await this.#options.sync.request(connectionId, dataset, { trigger: 'notification' });
    for (const connectionId of maintain)
      await this.#options.runner.enqueue({ kind: SUBSCRIPTIONS_JOB, connectionId, expedite: true });
    if (ignored > 0)
      this.#options.logger?.warn(
        { accepted, ignored },
        'change notifications ignored: unknown subscription or client state',
      );
    return { accepted, ignored };
  }

  #clientStateMatches(row: StoredSubscription, given: string | null | undefined): boolean {
    if (!given) return false;
    let expected: string;
    try {
      expected = this.#options.vault.decrypt(row.clientState.ciphertext, subscriptionClientStateContext(row.id));
    } catch {
      return false;
    }
    const a = Buffer.from(expected);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
