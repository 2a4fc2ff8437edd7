import type { ConnectionService } from '../connections/service.js';
import { TenantlinkError } from '../errors.js';
import type { SyncDataset } from '../features/dataset.js';
import { JobDeferred, type JobRunner } from '../jobs/runner.js';
import type { Store } from '../store/database.js';
import { type FeedEntry, recordsRepository } from '../store/records-repository.js';
import type { StoreHandle, SyncRunTrigger } from '../store/schema.js';
import { type SyncRunRecord, syncRunsRepository } from '../store/sync-runs-repository.js';
import { webhookCursorsRepository } from '../store/webhook-cursors-repository.js';
import { type CommittedEvent, SyncEngine, type SyncEngineOptions } from './engine.js';
import { progressOf, type SyncProgress } from './progress.js';

export interface SyncServiceOptions extends Omit<SyncEngineOptions, 'store' | 'onCommitted' | 'onCommitting'> {
  store: Store;
  connections: ConnectionService;
  datasets: readonly SyncDataset[];
  /**
   * Days the feed keeps deletions that cannot come back, counted from the deletion; after a successful run, older
   * ones are pruned (never past what a webhook endpoint has yet to receive). Default 30; 0 keeps them for ever.
   */
  feedRetentionDays?: number;
}

export const DEFAULT_FEED_RETENTION_DAYS = 30;

/** A run with its progress (pages, records, rate, ETA). */
export interface SyncRunView extends SyncRunRecord {
  progress: SyncProgress;
}

/** What a sync job carries: the queued run to start, or nothing for a scheduled run. */
export interface SyncJobPayload {
  runId?: string;
  full?: boolean;
  trigger?: SyncRunTrigger;
}

/** A page of the change feed. */
export interface FeedPage {
  records: FeedEntry[];
  /** Pass back as `since` to read on. */
  nextSince: number;
  /**
   * The highest sequence number of a deletion pruned from the feed (0: none). A reader resuming from a cursor it
   * stored below this may have missed deletions, and reads again from 0; paging on from a read begun at 0 is fine.
   */
  prunedThrough: number;
}

/** Failures a later attempt cannot fix: the job runner does not retry them. */
const FINAL_ERRORS = new Set(['CONNECTION_NOT_FOUND', 'INVALID_INPUT', 'PERMISSION_MISSING', 'CONSENT_MISSING']);

export function isFinalSyncError(err: unknown): boolean {
  return err instanceof TenantlinkError && FINAL_ERRORS.has(err.code);
}

/** The job kind of a dataset's syncs. */
export function syncJobKind(dataset: string): string {
  return `sync.${dataset}`;
}

/** Models the feed can be read for besides the datasets' own: every model at once. */
export const ALL_MODELS = 'all';

export function viewOf(run: SyncRunRecord, now?: number): SyncRunView {
  return { ...run, progress: progressOf(run, now) };
}

/**
 * Syncs connections' datasets and serves what they stored: runs now (the CLI) or through a job runner (the server's
 * manual and scheduled runs), run history with progress, and the change feed. `onCommitted` tells listeners (the
 * webhook dispatcher) each range of feed sequence numbers as soon as its transaction committed.
 */
export class SyncService {
  readonly #store: Store;
  readonly #connections: ConnectionService;
  readonly #datasets: Map<string, SyncDataset>;
  readonly #engine: SyncEngine;
  readonly #retentionDays: number;
  readonly #logger: SyncServiceOptions['logger'];
  readonly #listeners = new Set<(event: CommittedEvent) => void>();
  readonly #committing = new Set<(db: StoreHandle, event: CommittedEvent) => Promise<void>>();
  #runner: JobRunner | undefined;

  constructor(options: SyncServiceOptions) {
    const { connections, datasets, feedRetentionDays, ...engine } = options;
    this.#retentionDays = feedRetentionDays ?? DEFAULT_FEED_RETENTION_DAYS;
    this.#logger = options.logger;
    this.#store = options.store;
    this.#connections = connections;
    this.#datasets = new Map(datasets.map((d) => [d.name, d]));
    this.#engine = new SyncEngine({
      ...engine,
      onCommitting: async (db, event) => {
        for (const listener of this.#committing) await listener(db, event);
      },
      onCommitted: (event) => {
        for (const listener of this.#listeners) {
          try {
            listener(event);
          } catch {
            // One listener's failure must not keep the others from hearing.
          }
        }
      },
    });
  }

  get datasets(): SyncDataset[] {
    return [...this.#datasets.values()];
  }

  /** Every model the datasets write. */
  get models(): string[] {
    return this.datasets.flatMap((d) => [...d.models]);
  }

  dataset(name: string): SyncDataset {
    const dataset = this.#datasets.get(name);
    if (!dataset)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `Unknown dataset '${name}': use ${[...this.#datasets.keys()].join(', ')}.`,
      );
    return dataset;
  }

  /** Calls `listener` after every commit that wrote feed entries; returns the function that stops it. */
  onCommitted(listener: (event: CommittedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Calls `listener` inside the transaction of every page that writes feed entries (it commits or rolls back with the
   * page); returns the function that stops it.
   */
  onCommitting(listener: (db: StoreHandle, event: CommittedEvent) => Promise<void>): () => void {
    this.#committing.add(listener);
    return () => this.#committing.delete(listener);
  }

  /** Runs a sync in this process now; resolves with the finished run, or throws (the run is recorded as failed). */
  async run(
    idOrName: string,
    datasetName: string,
    options: {
      full?: boolean;
      trigger?: SyncRunTrigger;
      runId?: string;
      signal?: AbortSignal;
      onProgress?: (run: SyncRunView) => void;
    } = {},
  ): Promise<SyncRunView> {
    const dataset = this.dataset(datasetName);
    const connection = await this.#connections.show(idOrName);
    const graph = await this.#connections.graphClient(connection.id);
    const run = await this.#engine.run({
      connection,
      graph,
      dataset,
      full: options.full === true,
      trigger: options.trigger ?? 'cli',
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: (r: SyncRunRecord) => options.onProgress?.(viewOf(r)) } : {}),
    });
    if (this.#retentionDays > 0)
      await this.#prune(connection.id, this.#retentionDays).catch((err: unknown) => {
        // The run succeeded; pruning waits for the next one.
        this.#logger?.warn({ connection: connection.id, err }, 'feed pruning failed');
      });
    return viewOf(run);
  }

  /**
   * Drops from the connection's feed the deletions older than the retention (or `olderThanDays`) that every webhook
   * endpoint has already received, and raises the feed's `prunedThrough`.
   */
  async pruneFeed(
    idOrName: string,
    options: { olderThanDays?: number; now?: number } = {},
  ): Promise<{ pruned: number; prunedThrough: number }> {
    const { id } = await this.#connections.show(idOrName);
    return this.#prune(id, options.olderThanDays ?? this.#retentionDays, options.now);
  }

  async #prune(id: string, days: number, now = Date.now()): Promise<{ pruned: number; prunedThrough: number }> {
    const before = new Date(now - days * 86_400_000).toISOString();
    const records = recordsRepository(this.#store);
    // A webhook endpoint still to deliver a deletion holds it in the feed, disabled or failing ones too.
    const maxSeq = (await webhookCursorsRepository(this.#store).lowestDelivered(id)) ?? (await records.lastSeq(id));
    const outcome = await records.prune(id, { before, maxSeq });
    if (outcome.pruned > 0) this.#logger?.info({ connection: id, ...outcome }, 'pruned old deletions from the feed');
    return outcome;
  }

  /** Registers a job kind per dataset; manual requests and schedules then run through this runner. */
  attach(runner: JobRunner): void {
    this.#runner = runner;
    for (const dataset of this.#datasets.values()) {
      runner.register<SyncJobPayload | null>(syncJobKind(dataset.name), async (job) => {
        const payload = job.payload ?? {};
        await this.#runJob(job.connectionId, dataset.name, {
          full: payload.full === true,
          trigger: payload.trigger ?? 'schedule',
          ...(payload.runId ? { runId: payload.runId } : {}),
          signal: job.signal,
          onProgress: (run) =>
            job.progress({
              done: run.progress.records,
              ...(run.progress.total !== null ? { total: run.progress.total } : {}),
            }),
        });
      });
    }
  }

  /**
   * A run for the job runner: a sync held by another process (its lease) defers the job until that lease could have
   * run out, instead of spending an attempt; a holder that died on another machine is taken over then.
   */
  async #runJob(id: string, dataset: string, options: Parameters<SyncService['run']>[2]): Promise<void> {
    try {
      await this.run(id, dataset, options);
    } catch (err) {
      if (err instanceof TenantlinkError && err.code === 'SYNC_ALREADY_RUNNING')
        throw new JobDeferred((err as { retryAfterMs?: number }).retryAfterMs ?? 5000, err.message);
      throw err;
    }
  }

  /**
   * Asks the job runner for a run. A run already waiting for this connection and dataset is joined (and made full
   * when asked), so repeated requests never pile up.
   */
  async request(
    idOrName: string,
    datasetName: string,
    options: { full?: boolean; trigger?: 'manual' | 'notification' } = {},
  ): Promise<SyncRunView> {
    const runner = this.#runner;
    if (!runner) throw new TenantlinkError('SYNC_RUNNER_MISSING', 'No job runner is attached to run syncs.');
    const dataset = this.dataset(datasetName);
    const { id } = await this.#connections.show(idOrName);
    const { run } = await syncRunsRepository(this.#store).queue({
      connectionId: id,
      dataset: dataset.name,
      trigger: options.trigger ?? 'manual',
      full: options.full === true,
    });
    await runner.enqueue({
      kind: syncJobKind(dataset.name),
      connectionId: id,
      payload: { runId: run.id, trigger: options.trigger ?? 'manual' } satisfies SyncJobPayload,
    });
    return viewOf(run);
  }

  /** The newest run of a connection's dataset (queued, running or finished), or null. */
  async latest(idOrName: string, datasetName: string): Promise<SyncRunView | null> {
    const dataset = this.dataset(datasetName);
    const { id } = await this.#connections.show(idOrName);
    const [run] = await syncRunsRepository(this.#store).list(id, dataset.name, 1);
    return run ? viewOf(run) : null;
  }

  async history(idOrName: string, datasetName: string, limit = 20): Promise<SyncRunView[]> {
    const dataset = this.dataset(datasetName);
    const { id } = await this.#connections.show(idOrName);
    return (await syncRunsRepository(this.#store).list(id, dataset.name, limit)).map((r) => viewOf(r));
  }

  /**
   * The change feed of a connection: records of `model` (or `all`) whose last change is after `since`, oldest first.
   * Pass `nextSince` back as `since` to read on; an empty page means nothing newer has committed yet.
   */
  async feed(idOrName: string, model: string, options: { since?: number; limit?: number } = {}): Promise<FeedPage> {
    const models = this.models;
    if (model !== ALL_MODELS && !models.includes(model))
      throw new TenantlinkError(
        'INVALID_INPUT',
        `Unknown model '${model}': use ${[...models, ALL_MODELS].join(', ')}.`,
      );
    const { id } = await this.#connections.show(idOrName);
    const since = options.since ?? 0;
    const records = recordsRepository(this.#store);
    const { entries, nextSince } = await records.feed(id, {
      since,
      limit: Math.min(Math.max(options.limit ?? 500, 1), 5000),
      ...(model === ALL_MODELS ? {} : { models: [model] }),
    });
    return { records: entries, nextSince, prunedThrough: await records.prunedThrough(id) };
  }

  /**
   * Records as they stand now, by id (at most 100): the ones present, with their data; unknown and deleted ids are
   * left out. For showing names beside ids (a membership's user and group) without reading the whole feed.
   */
  async lookup(
    idOrName: string,
    model: string,
    ids: readonly string[],
  ): Promise<{ id: string; data: Record<string, unknown> }[]> {
    if (!this.models.includes(model))
      throw new TenantlinkError('INVALID_INPUT', `Unknown model '${model}': use ${this.models.join(', ')}.`);
    if (ids.length > 100) throw new TenantlinkError('INVALID_INPUT', 'Look up at most 100 ids at once.');
    const { id } = await this.#connections.show(idOrName);
    const found = await recordsRepository(this.#store).get(id, model, [...new Set(ids)]);
    return [...found.values()]
      .filter((r) => !r.deleted && r.data !== null)
      .map((r) => ({ id: r.id, data: r.data as Record<string, unknown> }));
  }

  /** How many records of each model the feed shows as present, and its last sequence number. */
  async totals(idOrName: string): Promise<{ present: Record<string, number>; lastSeq: number }> {
    const { id } = await this.#connections.show(idOrName);
    const records = recordsRepository(this.#store);
    return { present: await records.countPresent(id), lastSeq: await records.lastSeq(id) };
  }
}
