import { type ReactNode, useEffect, useRef, useState } from 'react';
import { type ApiError, api, asApiError, type SyncRun } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RelativeTime } from '../../components/RelativeTime';
import { useLoad } from '../../state/useLoad';
import { RecentChanges } from './RecentChanges';
import { StoredDirectoryCounts } from './StoredDirectoryCounts';
import { SyncProgressMeter } from './SyncProgressMeter';
import { SyncRunDetails } from './SyncRunDetails';

const POLL_INTERVAL_MS = 2000;

function isActive(run: SyncRun | null | undefined): boolean {
  return run?.status === 'queued' || run?.status === 'running';
}

/** One sentence on how the latest run stands; it changes only when the run's status does. */
function statusSentence(run: SyncRun | null): ReactNode {
  if (!run) return 'Not synced yet. The first sync reads the whole directory.';
  switch (run.status) {
    case 'queued':
      return 'Sync queued…';
    case 'running':
      return run.mode === 'delta' ? 'Syncing what changed…' : 'Syncing the whole directory…';
    case 'succeeded':
      return (
        <>
          Last sync succeeded
          {run.finishedAt && (
            <>
              {' '}
              <RelativeTime iso={run.finishedAt} />
            </>
          )}
          .
        </>
      );
    case 'failed':
      return `Last sync failed: ${run.error?.message ?? 'no reason given.'}`;
    case 'interrupted':
      return `Last sync was interrupted; the next sync resumes from its last page.${run.error ? ` ${run.error.message}` : ''}`;
  }
}

/**
 * The connection's directory sync: what is stored, the latest run (asked again every two seconds while it is queued
 * or running), Sync now and Full sync, and the newest change-feed entries.
 */
export function DirectorySyncPanel({ connectionId }: { connectionId: string }) {
  const sync = useLoad((signal) => api.getDirectorySync(connectionId, signal), [connectionId]);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<ApiError>();
  const runHeading = useRef<HTMLHeadingElement>(null);
  const focusRun = useRef(false);
  const run = sync.data?.run ?? null;
  const active = isActive(run);
  const { reload } = sync;
  // Not before the state is known either: a start must not race the first answer.
  const blocked = starting || active || !sync.data;

  // Each answer schedules the next ask while the run is under way, so polling ends with the run, on a failed ask
  // (Try again resumes it) and when the page goes away.
  // biome-ignore lint/correctness/useExhaustiveDependencies: every new answer (`sync.data`) schedules the next ask.
  useEffect(() => {
    if (!active) return;
    const timer = window.setTimeout(reload, POLL_INTERVAL_MS);
    return () => window.clearTimeout(timer);
  }, [sync.data, active, reload]);

  // A run started here: the pressed button is now disabled, so move to the run it started.
  useEffect(() => {
    if (focusRun.current && run) {
      focusRun.current = false;
      runHeading.current?.focus();
    }
  }, [run]);

  async function start(full: boolean) {
    setStarting(true);
    setStartError(undefined);
    try {
      const queued = await api.startDirectorySync(connectionId, full ? { full: true } : {});
      focusRun.current = true;
      sync.setData((old) => old && { ...old, run: queued });
    } catch (reason) {
      setStartError(asApiError(reason));
    } finally {
      setStarting(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="directory-sync-heading">
      <div className="panel-heading">
        <h2 id="directory-sync-heading">Directory sync</h2>
        <div className="sync-actions">
          <button type="button" className="primary" onClick={() => void start(false)} disabled={blocked}>
            Sync now
          </button>
          <button type="button" onClick={() => void start(true)} disabled={blocked}>
            Full sync
          </button>
        </div>
      </div>
      <p className="muted">
        Copies the tenant's users, groups and memberships into tenantlink and records each change in the change feed.
        Sync now reads only what changed since the last sync (everything, the first time); Full sync reads everything
        again.
      </p>
      {startError && <ErrorNotice error={startError} />}
      {sync.error && <ErrorNotice error={sync.error} onRetry={reload} />}
      {sync.data && <StoredDirectoryCounts stored={sync.data.stored} lastSeq={sync.data.lastSeq} />}
      <h3 className="result-heading" ref={runHeading} tabIndex={-1}>
        Latest run
      </h3>
      <p className={`sync-status${run?.status === 'failed' ? ' sync-status-failed' : ''}`} aria-live="polite">
        {sync.data ? statusSentence(run) : sync.error ? '' : 'Loading the directory sync…'}
      </p>
      {run && active && <SyncProgressMeter run={run} />}
      {run && <SyncRunDetails run={run} />}
      {sync.data && <RecentChanges connectionId={connectionId} lastSeq={sync.data.lastSeq} syncing={active} />}
    </section>
  );
}
