import { useId } from 'react';
import { api, type FeedPage } from '../../api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useLoad } from '../../state/useLoad';
import { describeChange } from './changeWording';
import { useDirectoryNames } from './useDirectoryNames';

const RECENT = 10;
const NO_ENTRIES: FeedPage['records'] = [];

interface RecentChangesProps {
  connectionId: string;
  /** The change feed's last sequence number; the list reads again when it moves. */
  lastSeq: number;
  /** A sync is under way: names are looked up once it ends, not on every progress poll. */
  syncing: boolean;
}

/** The newest entries of the connection's change feed (all models), newest first, with people and groups by name. */
export function RecentChanges({ connectionId, lastSeq, syncing }: RecentChangesProps) {
  const headingId = useId();
  const feed = useLoad(
    async (signal) =>
      lastSeq > 0
        ? (await api.listRecords(connectionId, 'all', { since: Math.max(0, lastSeq - RECENT), limit: RECENT }, signal))
            .records
        : NO_ENTRIES,
    [connectionId, lastSeq],
  );
  const names = useDirectoryNames(connectionId, feed.data ?? NO_ENTRIES, { lastSeq, syncing });
  const entries = feed.data ? [...feed.data].reverse() : undefined;

  return (
    <div>
      <h3 id={headingId}>Recent changes</h3>
      {feed.error ? (
        <ErrorNotice error={feed.error} onRetry={feed.reload} />
      ) : !entries ? (
        <p className="muted">Loading the recent changes…</p>
      ) : entries.length === 0 ? (
        <p className="muted">No changes yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="recent-changes" aria-labelledby={headingId}>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Who or what</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const { subject, change } = describeChange(entry, names);
                return (
                  <tr key={entry.seq}>
                    <td className="muted">{entry.seq}</td>
                    <td className="record-label">{subject}</td>
                    <td>{change}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
