import { useState } from 'react';
import { api, type Connection, type CreatedWebhook, type NewWebhook } from '../api';
import { webhookFieldErrors } from '../display/fieldErrors';
import { AdminForm } from './AdminForm';
import { ConnectionSelect } from './ConnectionSelect';
import { type TextFieldSpec, TextFields } from './TextFields';
import { WebhookModelCheckboxes } from './WebhookModelCheckboxes';

type TextName = 'url' | 'description';

const URL_FIELD: TextFieldSpec<TextName> = {
  name: 'url',
  id: 'webhook-url',
  label: 'Endpoint URL',
  type: 'url',
  hint: 'Where your product receives the changes: https (http only for localhost), with no user name or password in it.',
  required: true,
  spellCheck: false,
  placeholder: 'https://app.example.com/hooks/m365',
};

const DESCRIPTION_FIELD: TextFieldSpec<TextName> = {
  name: 'description',
  id: 'webhook-description',
  label: 'Description',
  hint: 'Optional, up to 200 characters: what receives it, for whoever reads this list later.',
};

interface AddWebhookFormProps {
  labelledBy: string;
  connections: Connection[];
  onCreated: (created: CreatedWebhook) => void;
  onCancel: () => void;
}

export function AddWebhookForm({ labelledBy, connections, onCreated, onCancel }: AddWebhookFormProps) {
  const [text, setText] = useState<Record<TextName, string>>({ url: '', description: '' });
  const [connection, setConnection] = useState('');
  const [models, setModels] = useState<string[]>([]);

  async function save() {
    const description = text.description.trim();
    const input: NewWebhook = {
      url: text.url.trim(),
      ...(connection ? { connection } : {}),
      ...(models.length > 0 ? { models } : {}),
      ...(description ? { description } : {}),
    };
    onCreated(await api.createWebhook(input));
  }

  const changeText = (name: TextName, value: string) => setText((old) => ({ ...old, [name]: value }));
  return (
    <AdminForm
      id="add-webhook"
      labelledBy={labelledBy}
      fieldErrors={webhookFieldErrors}
      submitLabel="Save webhook"
      busyLabel="Saving…"
      onSubmit={save}
      onCancel={onCancel}
    >
      {(errors) => (
        <>
          <TextFields fields={[URL_FIELD]} values={text} errors={errors} onChange={changeText} />
          <ConnectionSelect
            id="webhook-connection"
            label="Connection"
            hint="All connections includes the ones added later."
            value={connection}
            onChange={setConnection}
            connections={connections}
            allowAll
            error={errors.connection}
          />
          <WebhookModelCheckboxes selected={models} onChange={setModels} error={errors.models} />
          <TextFields fields={[DESCRIPTION_FIELD]} values={text} errors={errors} onChange={changeText} />
        </>
      )}
    </AdminForm>
  );
}
