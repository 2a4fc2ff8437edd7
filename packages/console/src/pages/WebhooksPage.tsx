import { useRef, useState } from 'react';
import { api, type CreatedWebhook, type Webhook } from '../api';
import { AddWebhookForm } from '../components/AddWebhookForm';
import { AdminPageHeading } from '../components/AdminPageHeading';
import { LoadedContent } from '../components/LoadedContent';
import { WebhookSecretPanel } from '../components/WebhookSecretPanel';
import { WebhooksTable } from '../components/WebhooksTable';
import { useAddForm } from '../useAddForm';
import { useLoad } from '../useLoad';
import { usePageTitle } from '../usePageTitle';

export function WebhooksPage() {
  usePageTitle('Webhooks');
  const webhooks = useLoad((signal) => api.listWebhooks(signal), []);
  const connections = useLoad((signal) => api.listConnections(signal), []);
  // The new webhook's secret lives only here, in memory, until closed: the server never answers it again.
  const [created, setCreated] = useState<CreatedWebhook>();
  const [announcement, setAnnouncement] = useState('');
  const secretHeading = useRef<HTMLHeadingElement>(null);
  // Closing the form moves focus to the new secret, if any, else back to Add webhook.
  const { adding, setAdding, open, addButton, formHeading } = useAddForm(() => secretHeading.current);

  function saved(answer: CreatedWebhook) {
    webhooks.setData((old) => [...(old ?? []).filter((w) => w.id !== answer.webhook.id), answer.webhook]);
    setCreated(answer);
    setAnnouncement(`Webhook to ${answer.webhook.url} saved. Copy its signing secret now.`);
    setAdding(false);
  }

  function changed(webhook: Webhook, message: string) {
    webhooks.setData((old) => old?.map((w) => (w.id === webhook.id ? webhook : w)));
    if (message) setAnnouncement(message);
  }

  function rotated(answer: CreatedWebhook) {
    webhooks.setData((old) => old?.map((w) => (w.id === answer.webhook.id ? answer.webhook : w)));
    setCreated(answer);
    setAnnouncement(`Webhook to ${answer.webhook.url} has a new signing secret. Copy it now.`);
    // The panel appears above the table: move focus to its heading.
    requestAnimationFrame(() => secretHeading.current?.focus());
  }

  function removed(webhook: Webhook) {
    webhooks.setData((old) => old?.filter((w) => w.id !== webhook.id));
    if (created?.webhook.id === webhook.id) setCreated(undefined);
    setAnnouncement(`Webhook to ${webhook.url} removed.`);
    // Its row, and the Remove button that had focus, are gone.
    addButton.current?.focus();
  }

  return (
    <>
      <AdminPageHeading
        title="Webhooks"
        addLabel="Add webhook"
        addButton={addButton}
        onAdd={() => {
          setAnnouncement('');
          open();
        }}
      />
      <p className="lead">
        A webhook is an endpoint of your product that receives every change of the connections' directories: signed, in
        order, retried until it answers 2xx, and replayable from any sequence number.
      </p>
      <p className="announcement" role="status">
        {announcement}
      </p>
      {created && (
        <WebhookSecretPanel
          key={`${created.webhook.id}:${created.secret.slice(-8)}`}
          created={created}
          headingRef={secretHeading}
          onClose={() => {
            setCreated(undefined);
            addButton.current?.focus();
          }}
        />
      )}
      {adding && (
        <section className="panel add-webhook" aria-labelledby="add-webhook-heading">
          <h2 id="add-webhook-heading" ref={formHeading} tabIndex={-1}>
            Add webhook
          </h2>
          <LoadedContent loaded={connections} loading="Loading connections…">
            {(list) => <AddWebhookForm connections={list} onCreated={saved} onCancel={() => setAdding(false)} />}
          </LoadedContent>
        </section>
      )}
      <LoadedContent loaded={webhooks} loading="Loading webhooks…">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">
              No webhook yet. Select Add webhook to have every change of your connected tenants' directories sent to
              your product.
            </p>
          ) : (
            <WebhooksTable
              webhooks={list}
              connections={connections.data ?? []}
              onChanged={changed}
              onRemoved={removed}
              onRotated={rotated}
            />
          )
        }
      </LoadedContent>
    </>
  );
}
