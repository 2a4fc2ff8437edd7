import { api, type GuideMode } from '../api';
import { useLoad } from '../state/useLoad';
import { CodeBlock } from './CodeBlock';
import { ErrorNotice } from './ErrorNotice';
import { InlineText } from './InlineText';

interface SetupGuidePanelProps {
  features: string[];
  mode: GuideMode;
}

/** What the customer's administrator does in Microsoft Entra for the chosen features, as steps and as scripts. */
export function SetupGuidePanel({ features, mode }: SetupGuidePanelProps) {
  const key = features.join(',');
  const guide = useLoad(
    async (signal) => (features.length === 0 ? undefined : api.getGuide(features, mode, signal)),
    [key, mode],
  );

  return (
    <section className="panel guide" aria-labelledby="guide-heading" aria-busy={guide.loading}>
      <h2 id="guide-heading">Setup guide</h2>
      {features.length === 0 ? (
        <p className="muted">Choose at least one feature: the guide then lists exactly what to register and grant.</p>
      ) : guide.error ? (
        <ErrorNotice error={guide.error} onRetry={guide.reload} />
      ) : !guide.data ? (
        <p role="status">Loading the guide…</p>
      ) : (
        <>
          <p className="muted">
            For the app registration <strong>{guide.data.appName}</strong>, in the Microsoft Entra admin center.
          </p>
          <ol className="guide-steps">
            {guide.data.steps.map((step) => (
              <li key={step.title}>
                <h3>{step.title}</h3>
                <ul>
                  {step.lines.map((line) => (
                    <li key={line}>
                      <InlineText text={line} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
          <h3 className="guide-scripts-heading">Or create the registration with a script</h3>
          <p className="muted">Each script registers the app, adds these permissions and grants admin consent.</p>
          <CodeBlock title="Azure CLI script" code={guide.data.azureCli} />
          <CodeBlock title="PowerShell script" code={guide.data.powerShell} />
          <CodeBlock
            title="App manifest (requiredResourceAccess)"
            code={JSON.stringify(guide.data.manifest, null, 2)}
          />
          {guide.data.adminConsentUrl && <CodeBlock title="Admin consent link" code={guide.data.adminConsentUrl} />}
        </>
      )}
    </section>
  );
}
