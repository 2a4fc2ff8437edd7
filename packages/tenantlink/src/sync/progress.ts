import type { SyncRunRecord } from '../store/sync-runs-repository.js';

/** A run's progress as the CLI and the API show it. Worked out from the run's row, so any process can show it. */
export interface SyncProgress {
  /** Microsoft Graph pages read and committed. */
  pages: number;
  /** Objects read. */
  records: number;
  /** Change-feed entries written. */
  changes: number;
  /** Objects a full read expects, when known. */
  total: number | null;
  /** Objects per second since the run started. */
  rate: number;
  /** Seconds left at that rate: known for a full read with a total, 0 once finished. */
  etaSeconds: number | null;
  elapsedSeconds: number;
}

export function progressOf(
  run: Pick<SyncRunRecord, 'pages' | 'records' | 'changes' | 'total' | 'startedAt' | 'finishedAt' | 'status'>,
  now: number = Date.now(),
): SyncProgress {
  const started = run.startedAt ? Date.parse(run.startedAt) : now;
  const ended = run.finishedAt ? Date.parse(run.finishedAt) : now;
  const elapsedSeconds = Math.max(0, (ended - started) / 1000);
  const rate = elapsedSeconds > 0 ? run.records / elapsedSeconds : 0;
  let etaSeconds: number | null = null;
  if (run.status !== 'queued' && run.status !== 'running') etaSeconds = 0;
  else if (run.total !== null && rate > 0) etaSeconds = Math.max(0, (run.total - run.records) / rate);
  return {
    pages: run.pages,
    records: run.records,
    changes: run.changes,
    total: run.total,
    rate: Math.round(rate * 10) / 10,
    etaSeconds: etaSeconds === null ? null : Math.round(etaSeconds),
    elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
  };
}
