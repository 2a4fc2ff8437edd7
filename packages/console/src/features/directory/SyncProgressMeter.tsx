import { useId } from 'react';
import type { SyncRun } from '../../api';
import { formatCount, formatDuration, formatRate, plural } from '../../display/format';

/**
 * How far a queued or running sync has got: a progress bar (objects read of the total, when the server knows the
 * total; indeterminate otherwise) with pages, objects, rate and time left.
 */
export function SyncProgressMeter({ run }: { run: SyncRun }) {
  const id = useId();
  const { pages, records, total, rate, etaSeconds, elapsedSeconds } = run.progress;
  const known = run.status === 'running' && total !== null && total > 0;
  return (
    <div className="sync-progress">
      <label htmlFor={id}>Sync progress</label>
      <progress id={id} max={known ? total : undefined} value={known ? Math.min(records, total) : undefined} />
      <p className="muted small">
        {run.status === 'queued' ? (
          'Waiting for the job runner to start it.'
        ) : (
          <>
            {plural(pages, 'page')} ·{' '}
            {total !== null ? `${formatCount(records)} of ${plural(total, 'object')}` : plural(records, 'object')} read
            · {formatRate(rate)} ·{' '}
            {etaSeconds !== null ? `about ${formatDuration(etaSeconds)} left` : 'time left unknown'} · running for{' '}
            {formatDuration(elapsedSeconds)}
          </>
        )}
      </p>
    </div>
  );
}
