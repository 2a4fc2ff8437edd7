import { useState } from 'react';
import { api } from '../api';
import { AddConnectionForm } from '../components/AddConnectionForm';
import { Breadcrumb } from '../components/Breadcrumb';
import { LoadedContent } from '../components/LoadedContent';
import { SetupGuidePanel } from '../components/SetupGuidePanel';
import { Link } from '../navigation/Link';
import { connectionPath, navigate } from '../navigation/router';
import { useLoad } from '../state/useLoad';
import { usePageTitle } from '../state/usePageTitle';

export function AddConnectionPage() {
  usePageTitle('Add connection');
  const catalogue = useLoad((signal) => api.getCatalogue(signal), []);
  const [features, setFeatures] = useState<string[]>([]);

  return (
    <>
      <Breadcrumb parent={<Link href="/">Connected accounts</Link>} current="Add connection" />
      <h1 tabIndex={-1}>Add connection</h1>
      <p className="lead">
        Enter the app registration the customer's administrator created, choose what tenantlink may do, and save:
        tenantlink then runs the test and names anything still missing.
      </p>
      <div className="two-columns">
        <div>
          <LoadedContent loaded={catalogue} loading="Loading features…">
            {(featureList) => (
              <AddConnectionForm
                catalogue={featureList}
                features={features}
                onFeaturesChange={setFeatures}
                onCreated={(connection) => navigate(connectionPath(connection.id), { runTest: true })}
              />
            )}
          </LoadedContent>
        </div>
        <SetupGuidePanel features={features} mode="application" />
      </div>
    </>
  );
}
