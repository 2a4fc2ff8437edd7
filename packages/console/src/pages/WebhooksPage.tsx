import { useRef, useState } from 'react';
import { api, type CreatedWebhook, type Webhook } from '../api';
import { AddWebhookForm } from '../components/AddWebhookForm';
import { AdminListPage, useAdminList } from '../components/AdminListPage';
import { LoadedContent } from '../components/LoadedContent';
import { WebhookSecretPanel } from '../components/WebhookSecretPanel';
import { WebhooksTable } from '../components/WebhooksTable';
import { useLoad } from '../state/useLoad';
import { usePageTitle } from '../state/usePageTitle';

export function WebhooksPage() {
  usePageTitle('Webhooks');
  const webhooks = useLoad((signal) => api.listWebhooks(signal), []);
  const connections = useLoad((signal) => api.listConnections(signal), []);
  // The new webhook's secret lives only here, in memory, until closed: the server never answers it again.
  const [created, setCreated] = useState<CreatedWebhook>();
  const secretHeading = useRef<HTMLHeadingElement>(null);
  // Closing the form moves focus to the new secret, if any, else back to Add webhook.
  const list = useAdminList(() => secretHeading.current);

  function saved(answer: CreatedWebhook) {
    webhooks.setData((old) => [...(old ?? []).filter((w) => w.id !== answer.webhook.id), answer.webhook]);
    setCreated(answer);
    list.announce(`Webhook to ${answer.webhook.url} saved. Copy its signing secret now.`);
    list.closeAddForm();
  }

  function changed(webhook: Webhook, message: string) {
    webhooks.setData((old) => old?.map((w) => (w.id === webhook.id ? webhook : w)));
    if (message) list.announce(message);
  }

  function rotated(answer: CreatedWebhook) {
    webhooks.setData((old) => old?.map((w) => (w.id === answer.webhook.id ? answer.webhook : w)));
    setCreated(answer);
    list.announce(`Webhook to ${answer.webhook.url} has a new signing secret. Copy it now.`);
    // The panel appears above the table: move focus to its heading.
    requestAnimationFrame(() => secretHeading.current?.focus());
  }

  function removed(webhook: Webhook) {
    webhooks.setData((old) => old?.filter((w) => w.id !== webhook.id));
    if (created?.webhook.id === webhook.id) setCreated(undefined);
    list.announce(`Webhook to ${webhook.url} removed.`);
    list.focusAddButton();
  }

  return (
    <AdminListPage
      list={list}
      title="Webhooks"
      addLabel="Add webhook"
      lead="A webhook is an endpoint of your product that receives every change of the connections' directories: signed, in order, retried until it answers 2xx, and replayable from any sequence number."
      notice={
        created && (
          <WebhookSecretPanel
            key={`${created.webhook.id}:${created.secret.slice(-8)}`}
            created={created}
            headingRef={secretHeading}
            onClose={() => {
              setCreated(undefined);
              list.focusAddButton();
            }}
          />
        )
      }
      addForm={({ headingId, close }) => (
        <LoadedContent loaded={connections} loading="Loading connections…">
          {(items) => <AddWebhookForm labelledBy={headingId} connections={items} onCreated={saved} onCancel={close} />}
        </LoadedContent>
      )}
      items={webhooks}
      loading="Loading webhooks…"
      empty={
        <p>
          No webhook yet. Select Add webhook to have every change of your connected tenants' directories sent to your
          product.
        </p>
      }
    >
      {(items) => (
        <WebhooksTable
          webhooks={items}
          connections={connections.data ?? []}
          onChanged={changed}
          onRemoved={removed}
          onRotated={rotated}
        />
      )}
    </AdminListPage>
  );
}
