import type { Connection } from '../api';
import { AUTH_MODE_LABELS } from '../format';
import { Link } from '../Link';
import { connectionPath } from '../router';
import { ConnectionHealth } from './ConnectionHealth';
import { FeatureList } from './FeatureList';

export function ConnectionsTable({ connections }: { connections: Connection[] }) {
  return (
    <div className="table-scroll">
      <table>
        <caption className="visually-hidden">Every connected Microsoft 365 tenant</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Tenant ID</th>
            <th scope="col">Auth mode</th>
            <th scope="col">Features</th>
            <th scope="col">Health</th>
          </tr>
        </thead>
        <tbody>
          {connections.map((connection) => (
            <tr key={connection.id}>
              <th scope="row">
                <Link href={connectionPath(connection.id)} className="connection-link">
                  {connection.name}
                </Link>
              </th>
              <td>
                <code className="tenant-id">{connection.tenantId}</code>
              </td>
              <td>{AUTH_MODE_LABELS[connection.authMode]}</td>
              <td>
                {connection.features.length === 0 ? (
                  <span className="muted">None</span>
                ) : (
                  <FeatureList features={connection.features} />
                )}
              </td>
              <td>
                <ConnectionHealth connection={connection} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
