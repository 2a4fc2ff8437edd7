import { TenantlinkError } from '../errors.js';
import type { JobEvent, ScheduledJob, ScheduleRequest } from './runner.js';

const MAX_ERROR_LENGTH = 2000;

/** A job's error as recorded and reported: a TenantlinkError's code and message, at most 2000 characters. */
export function jobErrorText(err: unknown): string {
  const text =
    err instanceof TenantlinkError
      ? `${err.code}: ${err.message}`
      : err instanceof Error
        ? err.message || err.name
        : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

/** The event that reports a schedule's tick that could not enqueue. */
export function scheduleFailed(request: ScheduleRequest, err: unknown): JobEvent {
  return {
    type: 'record-failed',
    job: { id: '', kind: request.kind, connectionId: request.connectionId },
    error: jobErrorText(err),
  };
}

/**
 * A runner's schedules: one interval per (connection, kind) that enqueues through `enqueue`. They tick only between
 * `startAll` and `stopAll`; a schedule added while started starts at once.
 */
export class IntervalSchedules {
  readonly #entries = new Map<string, { start: () => void; stop: () => void }>();
  #started = false;

  constructor(
    private readonly enqueue: (request: ScheduleRequest) => Promise<unknown>,
    private readonly onError: (request: ScheduleRequest, err: unknown) => void,
  ) {}

  add(request: ScheduleRequest): ScheduledJob {
    if (!(request.everyMs > 0)) throw new TenantlinkError('INVALID_ARGUMENT', 'everyMs must be a positive number.');
    const key = `${request.connectionId}\u0000${request.kind}`;
    this.#entries.get(key)?.stop();
    let interval: NodeJS.Timeout | undefined;
    const tick = () => {
      this.enqueue(request).catch((err: unknown) => this.onError(request, err));
    };
    const entry = {
      start: () => {
        if (interval) return;
        if (request.immediately !== false) tick();
        interval = setInterval(tick, request.everyMs);
      },
      stop: () => {
        if (interval) clearInterval(interval);
        interval = undefined;
      },
    };
    this.#entries.set(key, entry);
    if (this.#started) entry.start();
    return {
      cancel: () => {
        entry.stop();
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    };
  }

  startAll(): void {
    this.#started = true;
    for (const entry of this.#entries.values()) entry.start();
  }

  stopAll(): void {
    this.#started = false;
    for (const entry of this.#entries.values()) entry.stop();
  }
}
