import { randomUUID } from 'node:crypto';
import type { Connection } from '../connections/model.js';
import { TenantlinkError } from '../errors.js';
import type {
  ApplyContext,
  DatasetPlan,
  ReadContext,
  RoundMode,
  StreamRead,
  SyncDataset,
  SyncStream,
} from '../features/dataset.js';
import type { GraphClient } from '../graph/client.js';
import { abortableSleep } from '../graph/policies/retry-policy.js';
import { type BackoffOptions, exponentialBackoffDelay } from '../jobs/backoff.js';
import type { Logger } from '../logging/index.js';
import type { Store } from '../store/database.js';
import { type RecordsRepository, type RecordWrite, recordsRepository } from '../store/records-repository.js';
import type { StoreHandle, SyncRunTrigger } from '../store/schema.js';
import { syncCursorsRepository } from '../store/sync-cursors-repository.js';
import { type SyncRunRecord, syncRunsRepository } from '../store/sync-runs-repository.js';
import { processHolder, SyncLease } from './lease.js';

/** Told after a page commits feed entries: the webhook dispatcher reads `fromSeq..toSeq` from the feed. */
export interface CommittedEvent {
  connectionId: string;
  dataset: string;
  runId: string;
  fromSeq: number;
  toSeq: number;
}

export interface SyncEngineOptions {
  store: Store;
  logger?: Logger;
  /** How long a run's lease lasts without renewal (renewed every third of it). Default 60 s. */
  leaseTtlMs?: number;
  /**
   * Retries of a page read that failed for a passing reason (throttled beyond the Graph client's own retries, 5xx,
   * network), with backoff. Default 6; the run then fails and the next one resumes from the last committed page.
   */
  pageRetries?: number;
  /** Default: 2 s doubling to 60 s. */
  pageBackoff?: BackoffOptions;
  onCommitted?: (event: CommittedEvent) => void;
  /**
   * Inside the transaction of a page that wrote feed entries, last: work that must commit or roll back with the page
   * (enqueueing its webhook deliveries on the shared queue). A throw rolls the page back.
   */
  onCommitting?: (db: StoreHandle, event: CommittedEvent) => Promise<void>;
}

export interface RunRequest {
  connection: Connection;
  graph: GraphClient;
  dataset: SyncDataset;
  /** Start a full read even when a delta round would do. */
  full: boolean;
  trigger: SyncRunTrigger;
  /** A queued run to start; a new run is made when it is not waiting any more. */
  runId?: string;
  signal?: AbortSignal;
  /** After each committed page, with the run as it now stands. */
  onProgress?: (run: SyncRunRecord) => void;
}

interface StreamState {
  position: unknown;
  done: boolean;
}

/** What the cursor row holds for a dataset: the round in progress, or the last one finished. */
interface EngineState {
  fingerprint: string;
  mode: RoundMode;
  finished: boolean;
  streams: Record<string, StreamState>;
}

/** One run's moving parts. */
interface Round {
  runId: string;
  connectionId: string;
  dataset: SyncDataset;
  plan: DatasetPlan;
  graph: GraphClient;
  state: EngineState;
  generation: number;
  signal: AbortSignal;
  run: SyncRunRecord;
  onProgress: ((run: SyncRunRecord) => void) | undefined;
  /** Commits one at a time, so parallel streams never interleave their cursor writes. */
  serial: <T>(work: () => Promise<T>) => Promise<T>;
}

/** Failures that pass: the same read may work a little later. */
const TRANSIENT = new Set(['THROTTLED', 'SERVICE_UNAVAILABLE', 'NETWORK_ERROR', 'GRAPH_SERVER_ERROR']);

function isEngineState(value: unknown, streams: readonly string[]): value is EngineState {
  const s = value as EngineState | null;
  return (
    !!s &&
    typeof s.fingerprint === 'string' &&
    (s.mode === 'full' || s.mode === 'delta') &&
    typeof s.finished === 'boolean' &&
    !!s.streams &&
    streams.every((name) => typeof s.streams[name]?.done === 'boolean')
  );
}

function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work);
    tail = run.catch(() => {});
    return run;
  };
}

function leaseLost(): TenantlinkError {
  return new TenantlinkError(
    'SYNC_LEASE_LOST',
    'This sync lost its lease to another process (it stalled longer than the lease lasts); it stopped without writing.',
  );
}

export function errorFacts(err: unknown): { code: string; message: string } {
  if (err instanceof TenantlinkError) return { code: err.code, message: err.message };
  return { code: 'UNEXPECTED', message: err instanceof Error ? err.message : String(err) };
}

/**
 * Runs datasets' syncs: one run per connection and dataset at a time (a lease in the store, valid across processes),
 * every page stored with its cursor in one transaction, full reads that delete by difference, delta rounds after.
 */
export class SyncEngine {
  readonly #store: Store;
  readonly #options: SyncEngineOptions;

  constructor(options: SyncEngineOptions) {
    this.#store = options.store;
    this.#options = options;
  }

  async run(request: RunRequest): Promise<SyncRunRecord> {
    const { connection, dataset } = request;
    const plan = dataset.plan(connection);
    const streams = plan.stages.flat();
    const runs = syncRunsRepository(this.#store);
    const cursors = syncCursorsRepository(this.#store);
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (request.signal?.aborted) onOuterAbort();

    const queued = request.runId ? await runs.get(request.runId) : undefined;
    const runId = queued?.status === 'queued' ? queued.id : randomUUID();
    let lost = false;
    const lease = await SyncLease.acquire(cursors, {
      connectionId: connection.id,
      dataset: dataset.name,
      runId,
      ttlMs: this.#options.leaseTtlMs ?? 60_000,
      onLost: () => {
        lost = true;
        controller.abort(leaseLost());
      },
    });
    let run: SyncRunRecord;
    try {
      run = await runs.start({
        id: runId,
        connectionId: connection.id,
        dataset: dataset.name,
        trigger: request.trigger,
        full: request.full || queued?.requestedFull === true,
        holder: processHolder(),
      });
      await runs.interruptOthers(connection.id, dataset.name, runId);
    } catch (err) {
      await lease.release().catch(() => {});
      throw err;
    }

    try {
      const cursor = await cursors.get(connection.id, dataset.name);
      const round: Round = {
        runId,
        connectionId: connection.id,
        dataset,
        plan,
        graph: request.graph,
        state: cursor?.state as EngineState,
        generation: cursor?.generation ?? 0,
        signal: controller.signal,
        run,
        onProgress: request.onProgress,
        serial: serialQueue(),
      };
      const names = streams.map((s) => s.name);
      const startFull = () => {
        round.generation += 1;
        round.state = {
          fingerprint: plan.fingerprint,
          mode: 'full',
          finished: false,
          streams: Object.fromEntries(streams.map((s) => [s.name, { position: s.fullStart(), done: false }])),
        };
      };
      if (run.requestedFull || !isEngineState(round.state, names) || round.state.fingerprint !== plan.fingerprint) {
        startFull();
      } else if (round.state.finished) {
        const finished = round.state.streams;
        const starts = streams.map((s) => [s.name, s.deltaStart(finished[s.name]?.position)] as const);
        if (starts.some(([, position]) => position === undefined)) startFull();
        else
          round.state = {
            fingerprint: plan.fingerprint,
            mode: 'delta',
            finished: false,
            streams: Object.fromEntries(starts.map(([name, position]) => [name, { position, done: false }])),
          };
      }
      // Otherwise an unfinished round resumes where its last committed page left it.
      await this.#setMode(round, round.state.mode);
      let estimate = round.state.mode === 'full' ? this.#estimate(round) : undefined;
      try {
        await this.#runStages(round);
      } catch (err) {
        if (!(err instanceof TenantlinkError && err.code === 'DELTA_TOKEN_EXPIRED') || controller.signal.aborted)
          throw err;
        // Microsoft lost the delta state: read everything again and delete what is no longer there.
        this.#options.logger?.warn(
          { connection: connection.id, dataset: dataset.name, microsoftCode: err.microsoftCode },
          'delta state expired; starting a full read',
        );
        startFull();
        await this.#setMode(round, 'full');
        estimate = this.#estimate(round);
        await this.#runStages(round);
      }
      await this.#finishRound(round);
      await estimate;
      await runs.finish(runId, 'succeeded');
    } catch (err) {
      const stopped = controller.signal.aborted && !lost;
      await runs.finish(runId, stopped ? 'interrupted' : 'failed', errorFacts(err)).catch(() => {});
      throw err;
    } finally {
      request.signal?.removeEventListener('abort', onOuterAbort);
      await lease.release().catch(() => {});
    }
    return (await runs.get(runId))!;
  }

  async #setMode(round: Round, mode: RoundMode): Promise<void> {
    round.run = { ...round.run, mode };
    await syncRunsRepository(this.#store).update(round.runId, { mode });
  }

  /** Counts what a full read will see, beside the read, for the ETA; a failure only costs the ETA. */
  async #estimate(round: Round): Promise<void> {
    if (!round.plan.estimateTotal) return;
    try {
      const total = await round.plan.estimateTotal(this.#readContext(round));
      if (total === undefined) return;
      round.run = { ...round.run, total };
      await syncRunsRepository(this.#store).update(round.runId, { total });
    } catch {
      // The ETA stays unknown.
    }
  }

  #readContext(round: Round): ReadContext {
    return {
      connectionId: round.connectionId,
      graph: round.graph,
      signal: round.signal,
      mode: round.state.mode,
      records: recordsRepository(this.#store),
    };
  }

  async #runStages(round: Round): Promise<void> {
    for (const stage of round.plan.stages) {
      const pending = stage.filter((s) => !round.state.streams[s.name]?.done);
      // Every stream of the stage settles before the run moves on, so none commits into a round that replaced it.
      const stop = new AbortController();
      const onAbort = () => stop.abort(round.signal.reason);
      round.signal.addEventListener('abort', onAbort, { once: true });
      const results = await Promise.allSettled(
        pending.map((stream) =>
          this.#runStream(round, stream, stop.signal).catch((err: unknown) => {
            stop.abort(err);
            throw err;
          }),
        ),
      );
      round.signal.removeEventListener('abort', onAbort);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  async #runStream(round: Round, stream: SyncStream, signal: AbortSignal): Promise<void> {
    const context = { ...this.#readContext(round), signal };
    for (;;) {
      const entry = round.state.streams[stream.name]!;
      if (entry.done) return;
      signal.throwIfAborted();
      const read = await this.#withRetries(() => stream.read(entry.position, context), signal);
      signal.throwIfAborted();
      await this.#commit(round, stream, read);
    }
  }

  async #withRetries<T>(read: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const retries = this.#options.pageRetries ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (err) {
        if (!(err instanceof TenantlinkError) || !TRANSIENT.has(err.code) || attempt > retries || signal.aborted)
          throw err;
        const delayMs = exponentialBackoffDelay(attempt, {
          initialMs: 2000,
          maxMs: 60_000,
          ...this.#options.pageBackoff,
        });
        this.#options.logger?.warn({ code: err.code, attempt, delayMs }, 'sync page read failed; retrying');
        await abortableSleep(delayMs, signal);
      }
    }
  }

  /** Stores a page and its stream's next position in one transaction, fenced by the lease. */
  async #commit(round: Round, stream: SyncStream, read: StreamRead<unknown>): Promise<void> {
    await round.serial(async () => {
      round.signal.throwIfAborted();
      const next: EngineState = {
        ...round.state,
        streams: { ...round.state.streams, [stream.name]: { position: read.next, done: read.done } },
      };
      const outcome = await this.#transaction(round, next, { pages: 1, records: read.records }, async (context) => {
        await stream.apply(read.page, context);
      });
      round.state = next;
      this.#progressed(round, { pages: 1, records: read.records, changes: outcome.changes });
      this.#notify(round, outcome);
    });
  }

  /** The end of a round: a full read deletes what it did not see, in one transaction with the finished cursor. */
  async #finishRound(round: Round): Promise<void> {
    await round.serial(async () => {
      const finished: EngineState = { ...round.state, finished: true };
      const outcome = await this.#transaction(round, finished, { pages: 0, records: 0 }, async (context) => {
        if (round.state.mode !== 'full') return;
        for await (const chunk of context.records.unseen(round.connectionId, round.dataset.models, round.generation)) {
          await context.write(
            chunk.map((record): RecordWrite => {
              const keep = round.dataset.keptOnDelete?.(record);
              return {
                op: 'delete',
                model: record.model,
                id: record.id,
                reason: 'missing',
                ...(keep ? { keep } : {}),
              };
            }),
          );
        }
      });
      round.state = finished;
      this.#progressed(round, { pages: 0, records: 0, changes: outcome.changes });
      this.#notify(round, outcome);
    });
  }

  async #transaction(
    round: Round,
    state: EngineState,
    read: { pages: number; records: number },
    work: (context: ApplyContext) => Promise<void>,
  ): Promise<{ changes: number; fromSeq?: number; toSeq?: number }> {
    const outcome: { changes: number; fromSeq?: number; toSeq?: number } = { changes: 0 };
    await this.#store.db.transaction().execute(async (trx) => {
      const handle: StoreHandle = { db: trx, dialect: this.#store.dialect };
      // First, as a write: it takes SQLite's write lock at once, and fails when another run took the lease.
      if (
        !(await syncCursorsRepository(handle).save(
          round.connectionId,
          round.dataset.name,
          round.runId,
          state,
          round.generation,
        ))
      )
        throw leaseLost();
      const records: RecordsRepository = recordsRepository(handle);
      await work({
        connectionId: round.connectionId,
        mode: state.mode,
        records,
        write: async (writes, options) => {
          const result = await records.write(round.connectionId, writes, {
            generation: round.generation,
            touch: (options?.seen ?? true) && state.mode === 'full',
          });
          if (result.fromSeq !== undefined) {
            outcome.fromSeq ??= result.fromSeq;
            outcome.toSeq = result.toSeq;
          }
          outcome.changes += result.changes;
        },
      });
      await syncRunsRepository(handle).addProgress(round.runId, { ...read, changes: outcome.changes });
      if (this.#options.onCommitting && outcome.fromSeq !== undefined && outcome.toSeq !== undefined)
        await this.#options.onCommitting(handle, {
          connectionId: round.connectionId,
          dataset: round.dataset.name,
          runId: round.runId,
          fromSeq: outcome.fromSeq,
          toSeq: outcome.toSeq,
        });
    });
    return outcome;
  }

  #progressed(round: Round, delta: { pages: number; records: number; changes: number }): void {
    round.run = {
      ...round.run,
      pages: round.run.pages + delta.pages,
      records: round.run.records + delta.records,
      changes: round.run.changes + delta.changes,
    };
    try {
      round.onProgress?.(round.run);
    } catch {
      // A progress display must not break the sync.
    }
  }

  #notify(round: Round, outcome: { changes: number; fromSeq?: number; toSeq?: number }): void {
    if (outcome.fromSeq === undefined || outcome.toSeq === undefined) return;
    try {
      this.#options.onCommitted?.({
        connectionId: round.connectionId,
        dataset: round.dataset.name,
        runId: round.runId,
        fromSeq: outcome.fromSeq,
        toSeq: outcome.toSeq,
      });
    } catch {
      // A listener's failure must not undo a committed page.
    }
  }
}
