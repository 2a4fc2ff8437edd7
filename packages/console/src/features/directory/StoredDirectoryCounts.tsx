import type { DirectorySyncState } from '../../api';
import { formatCount } from '../../display/format';

const MODELS = [
  { model: 'users', label: 'Users' },
  { model: 'groups', label: 'Groups' },
  { model: 'memberships', label: 'Memberships' },
] as const;

interface StoredDirectoryCountsProps {
  stored: DirectorySyncState['stored'];
  lastSeq: number;
}

/** How many users, groups and memberships tenantlink holds for the connection, and where its change feed stands. */
export function StoredDirectoryCounts({ stored, lastSeq }: StoredDirectoryCountsProps) {
  return (
    <dl className="stat-tiles">
      {MODELS.map(({ model, label }) => (
        <div key={model}>
          <dt>{label}</dt>
          <dd>{formatCount(stored[model] ?? 0)}</dd>
        </div>
      ))}
      <div>
        <dt>Last sequence number</dt>
        <dd>{lastSeq}</dd>
      </div>
    </dl>
  );
}
