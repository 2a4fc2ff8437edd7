import type { ApiError, Connection, TestRun } from '../../api';
import { FeatureList } from '../../components/FeatureList';
import { RunTestPanel } from '../../components/RunTestPanel';
import { ShortId } from '../../components/ShortId';
import { credentialLabel, storedCredential } from '../../display/credentials';
import { AUTH_MODE_LABELS } from '../../display/format';
import { featureTabsFor } from '../../features';
import { Link } from '../../navigation/Link';
import { connectionPath } from '../../navigation/router';

interface OverviewTabProps {
  connection: Connection;
  latest: TestRun | undefined;
  running: boolean;
  testError: ApiError | undefined;
  onRunTest: () => void;
}

/** The Overview: Run test and its latest result, the connection at a glance, and each feature's summary. */
export function OverviewTab({ connection, latest, running, testError, onRunTest }: OverviewTabProps) {
  const stored = storedCredential(connection);
  return (
    <div className="detail-columns">
      <RunTestPanel latest={latest} running={running} error={testError} onRun={onRunTest} />
      <div className="stack-large">
        <section className="panel" aria-labelledby="glance-heading">
          <h2 id="glance-heading">At a glance</h2>
          <dl className="settings">
            <dt>Tenant ID</dt>
            <dd>
              <ShortId id={connection.tenantId} what="tenant ID" />
            </dd>
            <dt>Client ID</dt>
            <dd>
              <ShortId id={connection.clientId} what="client ID" />
            </dd>
            <dt>Signs in with</dt>
            <dd>
              {AUTH_MODE_LABELS[connection.authMode]}
              {stored ? '' : `: ${credentialLabel(connection).toLowerCase()} not stored`}
            </dd>
            <dt>Features</dt>
            <dd>{connection.features.length === 0 ? 'None' : <FeatureList features={connection.features} />}</dd>
          </dl>
        </section>
        {featureTabsFor(connection).map(
          ({ path, title, Summary }) =>
            Summary && (
              <section className="panel" key={path} aria-labelledby={`summary-${path}`}>
                <div className="panel-heading">
                  <h2 id={`summary-${path}`}>{title}</h2>
                  <Link href={connectionPath(connection.id, path)} className="panel-link">
                    Open {title}
                  </Link>
                </div>
                <Summary connection={connection} />
              </section>
            ),
        )}
      </div>
    </div>
  );
}
