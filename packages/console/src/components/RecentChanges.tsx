import { useId } from 'react';
import { api, type FeedEntry } from '../api';
import { feedEntryLabel } from '../format';
import { useLoad } from '../useLoad';
import { ErrorNotice } from './ErrorNotice';

const RECENT = 10;

const REASON_LABELS: Record<NonNullable<FeedEntry['reason']>, string> = {
  deleted: 'deleted',
  softDeleted: 'soft-deleted',
  outOfScope: 'out of scope',
  missing: 'missing',
};

interface RecentChangesProps {
  connectionId: string;
  /** The change feed's last sequence number; the list reads again when it moves. */
  lastSeq: number;
}

/** The newest entries of the connection's change feed (all models), newest first. */
export function RecentChanges({ connectionId, lastSeq }: RecentChangesProps) {
  const headingId = useId();
  const feed = useLoad(
    (signal) =>
      lastSeq > 0
        ? api.listRecords(connectionId, 'all', { since: Math.max(0, lastSeq - RECENT), limit: RECENT }, signal)
        : Promise.resolve({ records: [], nextSince: 0 }),
    [connectionId, lastSeq],
  );
  const entries = feed.data ? [...feed.data.records].reverse() : undefined;

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
                <th scope="col">Seq</th>
                <th scope="col">Model</th>
                <th scope="col">Action</th>
                <th scope="col">Record</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.seq}>
                  <td>{entry.seq}</td>
                  <td>{entry.model}</td>
                  <td>
                    {entry.action}
                    {entry.reason && <span className="muted"> ({REASON_LABELS[entry.reason]})</span>}
                  </td>
                  <td className="record-label">{feedEntryLabel(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
