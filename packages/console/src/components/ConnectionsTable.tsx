import type { Connection } from '../api';
import { AUTH_MODE_LABELS } from '../display/format';
import { connectionHealth } from '../display/health';
import { Link } from '../navigation/Link';
import { connectionPath } from '../navigation/router';
import { AdminTable } from './AdminTable';
import { FeatureList } from './FeatureList';
import { HealthPill } from './HealthPill';
import { RelativeTime } from './RelativeTime';
import { ShortId } from './ShortId';

const COLUMNS = ['Name', 'Health', 'Tenant ID', 'Auth mode', 'Features'] as const;

export function ConnectionsTable({ connections }: { connections: Connection[] }) {
  return (
    <AdminTable caption="Every connected Microsoft 365 tenant" columns={COLUMNS} className="connections">
      {connections.map((connection) => (
        <tr key={connection.id}>
          <th scope="row">
            <Link href={connectionPath(connection.id)} className="connection-link">
              {connection.name}
            </Link>
          </th>
          <td data-label="Health">
            <HealthPill health={connectionHealth(connection)}>
              {connection.health.lastTest && <RelativeTime iso={connection.health.lastTest.at} />}
            </HealthPill>
          </td>
          <td data-label="Tenant ID">
            <ShortId id={connection.tenantId} what={`tenant ID of ${connection.name}`} />
          </td>
          <td data-label="Auth mode">{AUTH_MODE_LABELS[connection.authMode]}</td>
          <td data-label="Features">
            {connection.features.length === 0 ? (
              <span className="muted">None</span>
            ) : (
              <FeatureList features={connection.features} />
            )}
          </td>
        </tr>
      ))}
    </AdminTable>
  );
}
