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
import { INTEGRATION_MODE_LABELS, plural } from '../display/format';
import { integrationHealth } from '../display/health';
import { useDeviceCodeSignIn } from '../state/useDeviceCodeSignIn';
import { ActionMenu, type MenuAction } from './ActionMenu';
import { AdminRow } from './AdminTable';
import { ConfirmRemoveDialog } from './ConfirmRemoveDialog';
import { ConnectLinkPanel } from './ConnectLinkPanel';
import { CopyButton } from './CopyButton';
import { DeviceCodePrompt } from './DeviceCodePrompt';
import { ErrorNotice } from './ErrorNotice';
import { FeatureList } from './FeatureList';
import { HealthPill } from './HealthPill';
import { IntegrationBranding } from './IntegrationBranding';
import { ReplaceIntegrationSecretForm } from './ReplaceIntegrationSecretForm';
import { ShortId } from './ShortId';

export const INTEGRATION_COLUMNS = [
  'Name',
  'Status',
  'Client ID',
  'Features',
  'Return URL',
  'Redirect URI',
  'Actions',
] as const;

interface IntegrationRowProps {
  integration: Integration;
  onRemoved: (integration: Integration) => void;
  /** The integration changed (a new secret, its expiry). */
  onUpdated: (integration: Integration) => void;
}

/**
 * One integration: Connect a tenant, and in its menu the other ways to connect a customer through it; a connect
 * link, a device-code prompt or the new-secret form opens in a row of its own beneath.
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
  const [replacing, setReplacing] = useState(false);
  const [replaced, setReplaced] = useState<IntegrationUpdate>();
  const removeDialog = useRef<HTMLDialogElement>(null);
  const menuButton = useRef<HTMLButtonElement>(null);
  // A panel opened from the menu gives focus back to the menu's button when it closes.
  const backToMenu = () => menuButton.current?.focus();

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

  const actions: MenuAction[] = [
    { label: 'Create connect link', onSelect: () => void createLink(), disabled: creatingLink },
    ...(integration.authMode === 'delegated'
      ? [{ label: 'Sign in with a code', onSelect: () => void startSignIn(), disabled: startingSignIn }]
      : []),
    {
      label: 'Replace secret',
      onSelect: () => {
        setReplaced(undefined);
        setReplacing(true);
      },
    },
    { label: 'Remove', danger: true, onSelect: () => removeDialog.current?.showModal() },
  ];
  const updated = replaced?.connectionsUpdated ?? [];
  const detailShown = link || linkError || signIn || signInError || startingSignIn || replacing || replaced;
  return (
    <AdminRow
      columns={INTEGRATION_COLUMNS}
      nameId={nameId}
      name={
        <>
          <strong>{integration.name}</strong>
          <span className="muted small cell-note">{INTEGRATION_MODE_LABELS[integration.authMode]}</span>
          <IntegrationBranding integration={integration} />
        </>
      }
      cells={[
        <HealthPill key="status" health={integrationHealth(integration)} />,
        <ShortId key="client" id={integration.clientId} what="client ID" />,
        <FeatureList key="features" features={integration.features} />,
        <code key="return" className="url">
          {integration.returnUrl}
        </code>,
        <div key="redirect" className="copyable">
          <code className="url" id={redirectId}>
            {integration.redirectUri}
          </code>
          <CopyButton text={integration.redirectUri} what="Redirect URI" describedBy={redirectId} />
          <span className="muted small cell-note">
            Register it on the app as a <strong>Web</strong> redirect URI (Authentication, Add a platform, Web).
          </span>
        </div>,
      ]}
      actions={
        <>
          {/* A page of the server, not of the console: it redirects to Microsoft, so a full navigation. */}
          <a className="button-link" href={connectFlowPath(integration.name)} aria-describedby={nameId}>
            Connect a tenant
          </a>
          <ActionMenu actions={actions} describedBy={nameId} buttonRef={menuButton} />
          <ConfirmRemoveDialog
            dialogRef={removeDialog}
            name={integration.name}
            remove={() => api.removeIntegration(integration.id)}
            onRemoved={() => onRemoved(integration)}
          >
            tenantlink forgets this integration and its client secret, and its unused connect links stop working.
            Connections already made through it stay. The app registration in Microsoft Entra stays too.
          </ConfirmRemoveDialog>
        </>
      }
      detail={
        detailShown ? (
          <>
            {linkError && <ErrorNotice error={linkError} />}
            {link && (
              <ConnectLinkPanel
                key={link.url}
                link={link}
                integrationName={integration.name}
                onClose={() => {
                  setLink(undefined);
                  backToMenu();
                }}
              />
            )}
            {replacing && (
              <ReplaceIntegrationSecretForm
                integration={integration}
                onReplaced={(update) => {
                  setReplaced(update);
                  onUpdated(update.integration);
                  setReplacing(false);
                  backToMenu();
                }}
                onCancel={() => {
                  setReplacing(false);
                  backToMenu();
                }}
              />
            )}
            {replaced && (
              <p className="notice notice-ok" role="status">
                New client secret saved for {integration.name}.{' '}
                {updated.length === 0
                  ? 'No connection made through it needed it.'
                  : `${plural(updated.length, 'connection')} now ${updated.length === 1 ? 'uses' : 'use'} it: ${updated.join(', ')}.`}
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
                  backToMenu();
                }}
              />
            )}
          </>
        ) : undefined
      }
    />
  );
}
