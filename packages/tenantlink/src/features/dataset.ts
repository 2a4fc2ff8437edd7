/**
 * What a dataset (directory now; mail, calendar and files later) gives the sync engine.
 *
 * A dataset is read as one or more streams: sequential chains of pages, each page read from a position the stream
 * owns (a nextLink or a deltaLink). The engine stores each page's records and the stream's next position in one
 * transaction, so a crash at any point resumes from the last committed page. Streams of one stage run in parallel;
 * stages run one after another.
 */
import type { GraphClient } from '../graph/client.js';
import type { RecordsRepository, RecordWrite, StoredRecord } from '../store/records-repository.js';

export type RoundMode = 'full' | 'delta';

/** What a dataset reads of a connection to plan a round. */
export interface DatasetConnection {
  id: string;
  features: readonly string[];
  settings: Record<string, unknown>;
}

/** What a stream's read sees: Graph, and the store as it stands (read-only; the lease keeps other writers out). */
export interface ReadContext {
  connectionId: string;
  graph: GraphClient;
  signal: AbortSignal;
  mode: RoundMode;
  records: RecordsRepository;
}

/** What a stream's apply gets: the page's transaction. */
export interface ApplyContext {
  connectionId: string;
  mode: RoundMode;
  /** Reads inside the page's transaction (they see this page's earlier writes). */
  records: RecordsRepository;
  /**
   * Stores records; the engine numbers visible changes in the feed and, in a full read, marks them as seen. Pass
   * `seen: false` for records changed as a consequence (out of scope, back in scope) rather than read from Graph, so
   * that a full read still deletes them when Graph no longer has them.
   */
  write(writes: readonly RecordWrite[], options?: { seen?: boolean }): Promise<void>;
}

export interface StreamRead<Page> {
  page: Page;
  /** Where the stream continues (or, when done, what the next round starts from: a deltaLink). */
  next: unknown;
  done: boolean;
  /** Objects read, for progress. */
  records: number;
}

export interface SyncStream<Page = unknown> {
  readonly name: string;
  /** The position a full read starts from. */
  fullStart(): unknown;
  /** The position a delta round starts from, given where the last round ended; undefined when a full read is needed. */
  deltaStart(finished: unknown): unknown;
  /** Reads one page. An expired delta link throws TenantlinkError DELTA_TOKEN_EXPIRED. */
  read(position: unknown, context: ReadContext): Promise<StreamRead<Page>>;
  /** Stores one page, inside its transaction. */
  apply(page: Page, context: ApplyContext): Promise<void>;
}

/** How one connection's dataset is read, given its settings. */
export interface DatasetPlan {
  /**
   * A digest of the settings that shape what is stored (fields, filters). When it changes, the next run is a full
   * read, which also removes records the new settings no longer keep.
   */
  fingerprint: string;
  /** Stages run in order; the streams of a stage run in parallel. */
  // biome-ignore lint/suspicious/noExplicitAny: each stream has its own page type
  stages: SyncStream<any>[][];
  /** How many objects a full read will see, when it can be counted cheaply (for the ETA). */
  estimateTotal?(context: ReadContext): Promise<number | undefined>;
}

export interface SyncDataset {
  /** `directory`, ... (also the job kind `sync.<name>` and the API path). */
  readonly name: string;
  /** The record models it writes (`users`, `groups`, `memberships`). */
  readonly models: readonly string[];
  plan(connection: DatasetConnection): DatasetPlan;
  /** How often to sync this connection on a schedule, from its settings; undefined for no schedule. */
  intervalMinutes?(connection: DatasetConnection): number | undefined;
  /** The data a deleted record keeps (a membership its ids); by default none. */
  keptOnDelete?(record: StoredRecord): Record<string, unknown> | undefined;
}
