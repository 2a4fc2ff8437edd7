import { api } from '../../api';
import { RelativeTime } from '../../components/RelativeTime';
import { plural } from '../../display/format';
import { useLoad } from '../../state/useLoad';
import type { ConnectionTabProps } from '../feature';
import { SYNC_STATUS_BADGES } from './SyncRunDetails';

/** The directory on the Overview: how many users and groups are stored, and how the latest sync ended. */
export function DirectorySummary({ connection }: ConnectionTabProps) {
  const sync = useLoad((signal) => api.getDirectorySync(connection.id, signal), [connection.id]);
  if (!sync.data) return <p className="muted">{sync.error ? 'The sync state did not load.' : 'Loading…'}</p>;
  const { run, stored } = sync.data;
  const badge = run && SYNC_STATUS_BADGES[run.status];
  return (
    <p>
      {plural(stored['users'] ?? 0, 'user')}, {plural(stored['groups'] ?? 0, 'group')} stored.{' '}
      {run && badge ? (
        <>
          Last sync <span className={`badge badge-${badge.tone}`}>{badge.label}</span>{' '}
          <RelativeTime iso={run.finishedAt ?? run.startedAt ?? run.createdAt} className="muted" />
        </>
      ) : (
        <span className="muted">Not synced yet.</span>
      )}
    </p>
  );
}
