import { useId, useRef, useState } from 'react';
import {
  type ApiError,
  api,
  asApiError,
  type ConnectLink,
  connectFlowPath,
  type Integration,
  type IntegrationUpdate,
} from '../api';
import { INTEGRATION_MODE_LABELS } from '../format';
import { useDeviceCodeSignIn } from '../useDeviceCodeSignIn';
import { expiryBadge } from './ConnectionHealth';
import { ConnectLinkPanel } from './ConnectLinkPanel';
import { CopyButton } from './CopyButton';
import { DeviceCodePrompt } from './DeviceCodePrompt';
import { ErrorNotice } from './ErrorNotice';
import { FeatureList } from './FeatureList';
import { RemoveRowButton } from './RemoveRowButton';
import { ReplaceIntegrationSecretForm } from './ReplaceIntegrationSecretForm';

export const INTEGRATION_COLUMNS = 7;

interface IntegrationRowProps {
  integration: Integration;
  onRemoved: (integration: Integration) => void;
  /** The integration changed (a new secret, its expiry). */
  onUpdated: (integration: Integration) => void;
}

/**
 * One integration and the ways to connect a customer through it; a connect link or a device-code prompt opens in a
 * row of its own beneath.
 */
export function IntegrationRow({ integration, onRemoved, onUpdated }: IntegrationRowProps) {
  const nameId = useId();
  const redirectId = useId();
  const [link, setLink] = useState<ConnectLink>();
  const [linkError, setLinkError] = useState<ApiError>();
  const [creatingLink, setCreatingLink] = useState(false);
  const {
    signIn,
    starting: startingSignIn,
    error: signInError,
    start: startSignIn,
    clear: clearSignIn,
  } = useDeviceCodeSignIn({ integration: integration.name });
  const linkButton = useRef<HTMLButtonElement>(null);
  const signInButton = useRef<HTMLButtonElement>(null);
  const [replacing, setReplacing] = useState(false);
  const [replaced, setReplaced] = useState<IntegrationUpdate>();
  const replaceButton = useRef<HTMLButtonElement>(null);

  async function createLink() {
    setCreatingLink(true);
    setLinkError(undefined);
    try {
      setLink(await api.createConnectLink({ integration: integration.name }));
    } catch (reason) {
      setLinkError(asApiError(reason));
    } finally {
      setCreatingLink(false);
    }
  }

  const delegated = integration.authMode === 'delegated';
  const detailShown = link || linkError || signIn || signInError || startingSignIn || replacing || replaced;
  const closeReplace = () => {
    setReplacing(false);
    replaceButton.current?.focus();
  };
  return (
    <>
      <tr>
        <th scope="row" id={nameId}>
          {integration.name}
        </th>
        <td>{INTEGRATION_MODE_LABELS[integration.authMode]}</td>
        <td>
          <code className="client-id">{integration.clientId}</code>
          {integration.secretExpiresAt && (
            <div className="small">{expiryBadge('Secret', integration.secretExpiresAt)}</div>
          )}
        </td>
        <td>
          <FeatureList features={integration.features} />
        </td>
        <td>
          <code className="url">{integration.returnUrl}</code>
        </td>
        <td>
          <div className="copyable">
            <code className="url" id={redirectId}>
              {integration.redirectUri}
            </code>
            <CopyButton text={integration.redirectUri} what="Redirect URI" describedBy={redirectId} />
          </div>
        </td>
        <td>
          <div className="row-actions">
            {/* A page of the server, not of the console: it redirects to Microsoft, so a full navigation. */}
            <a href={connectFlowPath(integration.name)} aria-describedby={nameId}>
              Connect a tenant
            </a>
            <button
              type="button"
              className="small"
              onClick={createLink}
              disabled={creatingLink}
              ref={linkButton}
              aria-describedby={nameId}
            >
              Create connect link
            </button>
            {delegated && (
              <button
                type="button"
                className="small"
                onClick={startSignIn}
                disabled={startingSignIn}
                ref={signInButton}
                aria-describedby={nameId}
              >
                Sign in with a code
              </button>
            )}
            <button
              type="button"
              className="small"
              ref={replaceButton}
              onClick={() => {
                setReplaced(undefined);
                setReplacing(true);
              }}
              aria-describedby={nameId}
            >
              Replace secret
            </button>
            <RemoveRowButton
              name={integration.name}
              describedBy={nameId}
              remove={() => api.removeIntegration(integration.id)}
              onRemoved={() => onRemoved(integration)}
            >
              tenantlink forgets this integration and its client secret, and its unused connect links stop working.
              Connections already made through it stay. The app registration in Microsoft Entra stays too.
            </RemoveRowButton>
          </div>
        </td>
      </tr>
      {detailShown && (
        <tr className="row-detail">
          <td colSpan={INTEGRATION_COLUMNS}>
            <div className="row-detail-panels">
              {linkError && <ErrorNotice error={linkError} />}
              {link && (
                <ConnectLinkPanel
                  key={link.url}
                  link={link}
                  integrationName={integration.name}
                  onClose={() => {
                    setLink(undefined);
                    linkButton.current?.focus();
                  }}
                />
              )}
              {replacing && (
                <ReplaceIntegrationSecretForm
                  integration={integration}
                  onReplaced={(update) => {
                    setReplaced(update);
                    onUpdated(update.integration);
                    closeReplace();
                  }}
                  onCancel={closeReplace}
                />
              )}
              {replaced && (
                <p className="notice notice-ok" role="status">
                  New client secret saved for {integration.name}.{' '}
                  {replaced.connectionsUpdated.length === 0
                    ? 'No connection made through it needed it.'
                    : `${replaced.connectionsUpdated.length} connection${replaced.connectionsUpdated.length === 1 ? '' : 's'} now use${replaced.connectionsUpdated.length === 1 ? 's' : ''} it: ${replaced.connectionsUpdated.join(', ')}.`}
                </p>
              )}
              {signInError && <ErrorNotice error={signInError} />}
              {startingSignIn && <p role="status">Asking Microsoft for a code…</p>}
              {signIn && (
                <DeviceCodePrompt
                  key={signIn.flowId}
                  signIn={signIn}
                  title={`Sign-in code for ${integration.name}`}
                  onClose={() => {
                    clearSignIn();
                    signInButton.current?.focus();
                  }}
                />
              )}
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
