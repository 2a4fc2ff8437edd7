import { hostname } from 'node:os';
import { TenantlinkError } from '../errors.js';
import type { SyncCursorsRepository } from '../store/sync-cursors-repository.js';

/** This process, as a lease holder: `host:pid`. */
export function processHolder(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * Whether a holder is a process on this machine that no longer exists. A lease of a process killed with SIGKILL
 * would otherwise block its connection until the lease expires; on another machine only expiry can tell.
 */
export function holderIsGone(holder: string): boolean {
  const at = holder.lastIndexOf(':');
  if (at < 0 || holder.slice(0, at) !== hostname()) return false;
  const pid = Number(holder.slice(at + 1));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface LeaseOptions {
  connectionId: string;
  dataset: string;
  runId: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  /** Called when a renewal finds the lease taken over: the run must stop. */
  onLost: () => void;
}

/** The lease of one run: taken at start, renewed while the run lives, released at the end. */
export class SyncLease {
  readonly #cursors: SyncCursorsRepository;
  readonly #options: LeaseOptions;
  #timer: NodeJS.Timeout | undefined;

  private constructor(cursors: SyncCursorsRepository, options: LeaseOptions) {
    this.#cursors = cursors;
    this.#options = options;
  }

  /** Takes the lease, from a dead process on this machine if need be; throws SYNC_ALREADY_RUNNING when it is held. */
  static async acquire(cursors: SyncCursorsRepository, options: LeaseOptions): Promise<SyncLease> {
    const holder = processHolder();
    const expiresAt = () => new Date(Date.now() + options.ttlMs).toISOString();
    const lease = { runId: options.runId, holder, expiresAt: expiresAt() };
    if (!(await cursors.acquire(options.connectionId, options.dataset, lease))) {
      const current = (await cursors.get(options.connectionId, options.dataset))?.lease;
      // Freed or expired since the first try, or held by a process that is gone: one more try.
      const replacing = current && holderIsGone(current.holder) ? current.runId : undefined;
      const worthRetrying = !current || Date.parse(current.expiresAt) < Date.now() || replacing !== undefined;
      const taken =
        worthRetrying &&
        (await cursors.acquire(
          options.connectionId,
          options.dataset,
          { ...lease, expiresAt: expiresAt() },
          replacing ? { replacing } : {},
        ));
      if (!taken) {
        const error = new TenantlinkError(
          'SYNC_ALREADY_RUNNING',
          `A ${options.dataset} sync of this connection is already running${current ? ` (in process ${current.holder}, lease until ${current.expiresAt})` : ''}.`,
          {
            status: 409,
            diagnosis: {
              meaning: 'Only one sync per connection and dataset runs at a time, across all tenantlink processes.',
              fix: 'Wait for it to finish; its progress is shown by `GET /api/v1/connections/{id}/sync/directory`. A process that died frees the lease when it expires.',
            },
          },
        );
        // When it is worth trying again: once the holder's lease has run out, unless renewed meanwhile.
        throw Object.assign(error, {
          retryAfterMs: current ? Math.max(1000, Date.parse(current.expiresAt) - Date.now() + 500) : 1000,
        });
      }
    }
    const kept = new SyncLease(cursors, options);
    kept.#schedule();
    return kept;
  }

  #schedule(): void {
    const every = Math.max(50, Math.floor(this.#options.ttlMs / 3));
    this.#timer = setInterval(() => {
      const { connectionId, dataset, runId, ttlMs } = this.#options;
      this.#cursors
        .renew(connectionId, dataset, runId, new Date(Date.now() + ttlMs).toISOString())
        .then((ok) => {
          if (!ok) this.#options.onLost();
        })
        // A failed renewal is retried at the next tick; the page commits are fenced by the lease anyway.
        .catch(() => {});
    }, every);
    this.#timer.unref();
  }

  async release(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const { connectionId, dataset, runId } = this.#options;
    await this.#cursors.release(connectionId, dataset, runId);
  }
}
