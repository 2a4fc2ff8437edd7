import type { SyncRun, SyncStatus } from '../../api';
import { RelativeTime } from '../../components/RelativeTime';
import { formatDuration, plural } from '../../display/format';

export const SYNC_STATUS_BADGES: Record<SyncStatus, { label: string; tone: string }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  running: { label: 'Running', tone: 'neutral' },
  succeeded: { label: 'Succeeded', tone: 'ok' },
  failed: { label: 'Failed', tone: 'error' },
  interrupted: { label: 'Interrupted', tone: 'warning' },
};

const TRIGGER_LABELS: Record<SyncRun['trigger'], string> = {
  manual: 'Manual (console or API)',
  schedule: 'Schedule',
  cli: 'Command line',
  notification: 'Change notification',
};

function modeLabel(run: SyncRun): string {
  if (run.mode === 'full') return run.requestedFull ? 'Full (requested)' : 'Full';
  if (run.mode === 'delta') return 'Delta (only what changed)';
  return run.requestedFull ? 'Full (requested)' : 'Decided when it starts';
}

/** The latest sync run: its status, full or delta, what started it, when, and what it read. */
export function SyncRunDetails({ run }: { run: SyncRun }) {
  const badge = SYNC_STATUS_BADGES[run.status];
  const ended = run.finishedAt !== null;
  return (
    <dl className="settings">
      <dt>Status</dt>
      <dd>
        <span className={`badge badge-${badge.tone}`}>{badge.label}</span>
      </dd>
      <dt>Sync</dt>
      <dd>{modeLabel(run)}</dd>
      <dt>Trigger</dt>
      <dd>{TRIGGER_LABELS[run.trigger]}</dd>
      <dt>Queued</dt>
      <dd>
        <RelativeTime iso={run.createdAt} />
      </dd>
      <dt>Started</dt>
      <dd>{run.startedAt ? <RelativeTime iso={run.startedAt} /> : <span className="muted">Not yet</span>}</dd>
      <dt>Finished</dt>
      <dd>
        {run.finishedAt ? (
          <RelativeTime iso={run.finishedAt} />
        ) : (
          <span className="muted">{run.status === 'queued' || run.status === 'running' ? 'Not yet' : 'Unknown'}</span>
        )}
      </dd>
      {ended && (
        <>
          <dt>Read</dt>
          <dd>
            {plural(run.progress.records, 'object')} from {plural(run.progress.pages, 'page')} ·{' '}
            {plural(run.progress.changes, 'change')} · {formatDuration(run.progress.elapsedSeconds)}
          </dd>
        </>
      )}
      {run.error && (
        <>
          <dt>Error code</dt>
          <dd>
            <code>{run.error.code}</code>
          </dd>
        </>
      )}
    </dl>
  );
}
