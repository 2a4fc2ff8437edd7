import type { Connection } from '../api';
import { AUTH_MODE_LABELS, cloudLabel, formatDay } from '../display/format';
import { FeatureList } from './FeatureList';
import { RelativeTime } from './RelativeTime';
import { ShortId } from './ShortId';

/** What the connection is, as stored; secrets are never returned by the API and so never shown. */
export function ConnectionSettings({ connection }: { connection: Connection }) {
  const { settings } = connection;
  return (
    <dl className="settings">
      <dt>Directory (tenant) ID</dt>
      <dd>
        <ShortId id={connection.tenantId} what="tenant ID" />
      </dd>
      <dt>Application (client) ID</dt>
      <dd>
        <ShortId id={connection.clientId} what="client ID" />
      </dd>
      <dt>Auth mode</dt>
      <dd>{AUTH_MODE_LABELS[connection.authMode]}</dd>
      <dt>Cloud</dt>
      <dd>{cloudLabel(connection.cloud)}</dd>
      {connection.certificateThumbprint && (
        <>
          <dt>Certificate thumbprint</dt>
          <dd>
            <ShortId id={connection.certificateThumbprint} what="certificate thumbprint" />
          </dd>
        </>
      )}
      <dt>Features</dt>
      <dd>{connection.features.length === 0 ? 'None' : <FeatureList features={connection.features} />}</dd>
      <dt>Test user</dt>
      <dd>{settings.testUser ?? <span className="muted">Not set</span>}</dd>
      <dt>Service account</dt>
      <dd>{settings.serviceAccount ?? <span className="muted">Not set</span>}</dd>
      {connection.health.secretExpiresAt && (
        <>
          <dt>{connection.authMode === 'certificate' ? 'Certificate expires on' : 'Secret expires on'}</dt>
          <dd>{formatDay(connection.health.secretExpiresAt)}</dd>
        </>
      )}
      <dt>Added</dt>
      <dd>
        <RelativeTime iso={connection.createdAt} />
      </dd>
      <dt>Changed</dt>
      <dd>
        <RelativeTime iso={connection.updatedAt} />
      </dd>
    </dl>
  );
}
