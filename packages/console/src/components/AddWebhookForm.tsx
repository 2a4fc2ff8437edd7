import { type FormEvent, useState } from 'react';
import { api, type Connection, type CreatedWebhook, type NewWebhook } from '../api';
import { webhookFieldErrors } from '../fieldErrors';
import { useSubmit } from '../useSubmit';
import { ConnectionSelect } from './ConnectionSelect';
import { ErrorNotice } from './ErrorNotice';
import { FormActions } from './FormActions';
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
  connections: Connection[];
  onCreated: (created: CreatedWebhook) => void;
  onCancel: () => void;
}

export function AddWebhookForm({ connections, onCreated, onCancel }: AddWebhookFormProps) {
  const [text, setText] = useState<Record<TextName, string>>({ url: '', description: '' });
  const [connection, setConnection] = useState('');
  const [models, setModels] = useState<string[]>([]);
  const { busy: saving, error, submit: save } = useSubmit();

  const { byField: fieldErrors, other: otherDetails } = webhookFieldErrors(error?.details ?? []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const description = text.description.trim();
    const input: NewWebhook = {
      url: text.url.trim(),
      ...(connection ? { connection } : {}),
      ...(models.length > 0 ? { models } : {}),
      ...(description ? { description } : {}),
    };
    await save(async () => onCreated(await api.createWebhook(input)));
  }

  function changeText(name: TextName, value: string) {
    setText((old) => ({ ...old, [name]: value }));
  }

  return (
    <form
      className="stack"
      onSubmit={submit}
      noValidate
      aria-labelledby="add-webhook-heading"
      aria-describedby={error ? 'add-webhook-error' : undefined}
    >
      <TextFields fields={[URL_FIELD]} values={text} errors={fieldErrors} onChange={changeText} />
      <ConnectionSelect
        id="webhook-connection"
        label="Connection"
        hint="All connections includes the ones added later."
        value={connection}
        onChange={setConnection}
        connections={connections}
        allowAll
        error={fieldErrors.connection}
      />
      <WebhookModelCheckboxes selected={models} onChange={setModels} error={fieldErrors.models} />
      <TextFields fields={[DESCRIPTION_FIELD]} values={text} errors={fieldErrors} onChange={changeText} />
      {error && (
        <div id="add-webhook-error">
          <ErrorNotice error={error} details={otherDetails} />
        </div>
      )}
      <FormActions submitLabel={saving ? 'Saving…' : 'Save webhook'} disabled={saving} onCancel={onCancel} />
    </form>
  );
}
