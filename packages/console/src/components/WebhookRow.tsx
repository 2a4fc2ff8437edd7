import { useId, useRef, useState } from 'react';
import {
  type ApiError,
  api,
  asApiError,
  type Connection,
  type CreatedWebhook,
  type Webhook,
  type WebhookCursor,
  type WebhookPing,
} from '../api';
import { Link } from '../navigation/Link';
import { connectionPath } from '../navigation/router';
import { ActionMenu, type MenuAction } from './ActionMenu';
import { AdminRow } from './AdminTable';
import { ConfirmRemoveDialog } from './ConfirmRemoveDialog';
import { ErrorNotice } from './ErrorNotice';
import { FeatureList } from './FeatureList';
import { ReplayWebhookForm } from './ReplayWebhookForm';
import { RotateWebhookSecretForm } from './RotateWebhookSecretForm';
import { WebhookDeliveries } from './WebhookDeliveries';
import { WebhookStatus } from './WebhookStatus';

export const WEBHOOK_COLUMNS = ['URL', 'Status', 'Connection', 'Models', 'Actions'] as const;

type Panel = 'deliveries' | 'replay' | 'rotate';

interface WebhookRowProps {
  webhook: Webhook;
  connections: Connection[];
  connectionName: (id: string) => string;
  /** A changed webhook, and what to announce about it. */
  onChanged: (webhook: Webhook, announcement: string) => void;
  onRemoved: (webhook: Webhook) => void;
  /** A new signing secret, to show once. */
  onRotated: (rotated: CreatedWebhook) => void;
}

/**
 * One webhook endpoint: its status, Deliveries, and in its menu the other actions. The deliveries, the replay and
 * the rotate forms open in a row of their own beneath.
 */
export function WebhookRow({ webhook, connections, connectionName, onChanged, onRemoved, onRotated }: WebhookRowProps) {
  const urlId = useId();
  const panelId = useId();
  const [panels, setPanels] = useState<ReadonlySet<Panel>>(new Set());
  const [switching, setSwitching] = useState(false);
  const [switchError, setSwitchError] = useState<ApiError>();
  const [pinging, setPinging] = useState(false);
  const [ping, setPing] = useState<WebhookPing>();
  const [pingError, setPingError] = useState<ApiError>();
  const removeDialog = useRef<HTMLDialogElement>(null);
  const menuButton = useRef<HTMLButtonElement>(null);

  function show(panel: Panel, shown: boolean) {
    setPanels((old) => {
      const next = new Set(old);
      if (shown) next.add(panel);
      else next.delete(panel);
      return next;
    });
  }

  async function switchOnOrOff() {
    setSwitching(true);
    setSwitchError(undefined);
    try {
      const changed = await api.updateWebhook(webhook.id, { enabled: !webhook.enabled });
      onChanged(
        changed,
        changed.enabled
          ? `Webhook to ${changed.url} enabled: it catches up from where each connection stands.`
          : `Webhook to ${changed.url} disabled: it receives nothing until enabled again.`,
      );
    } catch (reason) {
      setSwitchError(asApiError(reason));
    } finally {
      setSwitching(false);
    }
  }

  async function sendTest() {
    setPinging(true);
    setPing(undefined);
    setPingError(undefined);
    try {
      setPing(await api.pingWebhook(webhook.id));
    } catch (reason) {
      setPingError(asApiError(reason));
    } finally {
      setPinging(false);
    }
  }

  function replayed(cursor: WebhookCursor) {
    const others = webhook.cursors.filter((c) => c.connectionId !== cursor.connectionId);
    onChanged({ ...webhook, cursors: [...others, cursor] }, '');
  }

  // Replay can serve only the webhook's own connection when it has one.
  const replayConnections = webhook.connectionId
    ? connections.filter((c) => c.id === webhook.connectionId)
    : connections;
  const actions: MenuAction[] = [
    { label: pinging ? 'Sending…' : 'Send test', onSelect: () => void sendTest(), disabled: pinging },
    { label: 'Replay', onSelect: () => show('replay', true) },
    { label: 'Rotate secret', onSelect: () => show('rotate', true) },
    { label: webhook.enabled ? 'Disable' : 'Enable', onSelect: () => void switchOnOrOff(), disabled: switching },
    { label: 'Remove', danger: true, onSelect: () => removeDialog.current?.showModal() },
  ];
  const deliveriesShown = panels.has('deliveries');
  const detailShown = panels.size > 0 || switchError || ping || pingError;
  return (
    <AdminRow
      columns={WEBHOOK_COLUMNS}
      nameId={urlId}
      name={
        <>
          <code className="url">{webhook.url}</code>
          {webhook.description && <span className="muted small cell-note">{webhook.description}</span>}
        </>
      }
      cells={[
        <WebhookStatus key="status" webhook={webhook} connectionName={connectionName} />,
        webhook.connectionId ? (
          <Link key="connection" href={connectionPath(webhook.connectionId)}>
            {connectionName(webhook.connectionId)}
          </Link>
        ) : (
          'All connections'
        ),
        webhook.models ? <FeatureList key="models" features={webhook.models} /> : 'All',
      ]}
      actions={
        <>
          <button
            type="button"
            className="small"
            onClick={() => show('deliveries', !deliveriesShown)}
            aria-expanded={deliveriesShown}
            aria-controls={deliveriesShown ? `${panelId}-deliveries` : undefined}
            aria-describedby={urlId}
          >
            Deliveries
          </button>
          <ActionMenu actions={actions} describedBy={urlId} buttonRef={menuButton} />
          <ConfirmRemoveDialog
            dialogRef={removeDialog}
            name={`the webhook to ${webhook.url}`}
            remove={() => api.removeWebhook(webhook.id)}
            onRemoved={() => onRemoved(webhook)}
          >
            tenantlink stops delivering to this endpoint and forgets its signing secret, how far each connection was
            delivered and its delivery log. What your endpoint already received stays there.
          </ConfirmRemoveDialog>
        </>
      }
      detail={
        detailShown ? (
          <>
            {switchError && <ErrorNotice error={switchError} />}
            {pingError && <ErrorNotice error={pingError} />}
            {ping && (
              <p className={`notice ${ping.ok ? 'notice-ok' : 'notice-error'}`} role="status">
                {ping.ok
                  ? `Test event delivered in ${ping.durationMs} ms.`
                  : `Test event ${ping.result} (after ${ping.durationMs} ms).`}
              </p>
            )}
            {deliveriesShown && (
              <WebhookDeliveries webhook={webhook} id={`${panelId}-deliveries`} connectionName={connectionName} />
            )}
            {panels.has('replay') && (
              <ReplayWebhookForm
                webhook={webhook}
                connections={replayConnections}
                id={`${panelId}-replay`}
                onReplayed={replayed}
                onClose={() => {
                  show('replay', false);
                  menuButton.current?.focus();
                }}
              />
            )}
            {panels.has('rotate') && (
              <RotateWebhookSecretForm
                webhook={webhook}
                id={`${panelId}-rotate`}
                onRotated={(rotated) => {
                  show('rotate', false);
                  onRotated(rotated);
                }}
                onCancel={() => {
                  show('rotate', false);
                  menuButton.current?.focus();
                }}
              />
            )}
          </>
        ) : undefined
      }
    />
  );
}
